package dev

import (
	"context"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
)

// TestStreamLogsFollowsThePod: the stream starts with the last lines,
// follows what the container prints, and after the pod is deleted goes on
// with the lines of the Deployment's next pod.
func TestStreamLogsFollowsThePod(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	kubetest.Apply(t, c, ns, kubetest.CounterDeployment("counter"))
	sel := kube.Selector{Namespace: ns, LabelSelector: map[string]string{"app": "counter"}}
	first := kubetest.WaitPod(t, c, sel)
	time.Sleep(2 * time.Second) // let it print ~10 lines, to see the tail cut
	next := func(ctx context.Context) (kube.Pod, error) { return kube.WaitPod(ctx, c, sel) }

	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out kube.LockedBuffer
	done := make(chan error, 1)
	go func() { done <- StreamLogs(ctx, c, next, 2, &out) }()

	waitLog(t, &out, first.Name+" line ", 3, 10*time.Second)
	lines := strings.Split(out.String(), "\n")
	if n := lineNumber(lines[0]); n < 5 {
		t.Errorf("first line %q: want one of the last 2 lines, not the start", lines[0])
	}

	deleted := time.Now()
	kubetest.DeletePod(t, c, first)
	second := kubetest.WaitPod(t, c, sel)
	waitLog(t, &out, second.Name+" line ", 3, 30*time.Second)
	t.Logf("lines of the new pod after %s", time.Since(deleted).Round(time.Millisecond))
	checkLines(t, out.String(), first.Name, second.Name)

	cancel()
	if err := <-done; err != nil {
		t.Errorf("StreamLogs: %v", err)
	}
	kubetest.NoGoroutinesLeft(t, before)
}

// waitLog waits for n lines that contain s.
func waitLog(t *testing.T, out *kube.LockedBuffer, s string, n int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for strings.Count(out.String(), s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no %d lines with %q within %s; got:\n%s", n, s, limit, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var counterLine = regexp.MustCompile(`^(\S+) line (\d+)$`)

func lineNumber(line string) int {
	m := counterLine.FindStringSubmatch(line)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[2])
	return n
}

// checkLines: every line is a counter line; each pod's numbers go up by
// one (nothing lost, nothing twice); the first pod's come first.
func checkLines(t *testing.T, out, first, second string) {
	t.Helper()
	last := map[string]int{}
	seenSecond := false
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		m := counterLine.FindStringSubmatch(line)
		if m == nil || (m[1] != first && m[1] != second) {
			t.Fatalf("unexpected line %q in:\n%s", line, out)
		}
		n, _ := strconv.Atoi(m[2])
		if prev, ok := last[m[1]]; ok && n != prev+1 {
			t.Errorf("pod %s: line %d after line %d", m[1], n, prev)
		}
		if m[1] == second {
			seenSecond = true
		} else if seenSecond {
			t.Errorf("a line of the old pod after the new pod's: %q", line)
		}
		last[m[1]] = n
	}
	if !strings.Contains(out, second+" line 0\n") {
		t.Errorf("the new pod's log does not start at its beginning:\n%s", out)
	}
}

// TestLogResumeSkipsCopiedLines: a stream of the same pod opened again
// (sinceTime is whole seconds) copies only the lines after the position,
// also among lines that share its timestamp.
func TestLogResumeSkipsCopiedLines(t *testing.T) {
	var out kube.LockedBuffer
	s := &logStream{w: &out}
	first := "2026-01-02T03:04:05.100Z a\n2026-01-02T03:04:05.200Z b\n2026-01-02T03:04:05.200Z c\n"
	if n, err := s.copy(strings.NewReader(first)); n != 3 || err != nil {
		t.Fatalf("copy: %d, %v", n, err)
	}
	again := "2026-01-02T03:04:05.100Z a\n2026-01-02T03:04:05.200Z b\n2026-01-02T03:04:05.200Z c\n" +
		"2026-01-02T03:04:05.200Z d\n2026-01-02T03:04:06Z e\nno timestamp\n"
	if n, err := s.copy(strings.NewReader(again)); n != 3 || err != nil {
		t.Fatalf("copy again: %d, %v", n, err)
	}
	if got, want := out.String(), "a\nb\nc\nd\ne\nno timestamp\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestStreamLogsFollowsRestarts: when the container exits and is started
// again in the same pod, the stream goes on with the new instance's lines,
// without repeating the old instance's.
func TestStreamLogsFollowsRestarts(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	script := `h=$(hostname); echo "$h start"; i=0; while [ $i -lt 10 ]; do echo "$h line $i"; i=$((i+1)); sleep 0.2; done`
	kubetest.Apply(t, c, ns, kubetest.Deployment("short", map[string]any{"name": "short", "image": kubetest.Busybox(), "command": []any{"sh", "-c", script}}))
	sel := kube.Selector{Namespace: ns, LabelSelector: map[string]string{"app": "short"}}
	pod := kubetest.WaitPod(t, c, sel)
	next := func(ctx context.Context) (kube.Pod, error) { return kube.WaitPod(ctx, c, sel) }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out kube.LockedBuffer
	done := make(chan error, 1)
	go func() { done <- StreamLogs(ctx, c, next, 0, &out) }()
	start := time.Now()
	waitLog(t, &out, pod.Name+" start", 2, 60*time.Second)
	waitLog(t, &out, pod.Name+" line 0", 2, 10*time.Second)
	t.Logf("second instance's lines after %s", time.Since(start).Round(time.Millisecond))
	cancel()
	<-done
	text := out.String()
	for i := range 9 {
		line := pod.Name + " line " + strconv.Itoa(i) + "\n"
		if n := strings.Count(text, line); n < 1 || n > 2 {
			t.Errorf("%q %d times in:\n%s", line, n, text)
		}
	}
	if strings.Count(text, pod.Name+" line 9\n") != 1 || strings.Index(text, pod.Name+" line 9\n") > strings.LastIndex(text, pod.Name+" start") {
		t.Errorf("the first instance's lines are not all there once, before the second's:\n%s", text)
	}
}
