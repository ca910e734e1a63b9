package kube_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
)

func execOut(t *testing.T, c *kube.Client, pod kube.Pod, spdyOnly bool, cmd ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := kube.ExecVia(ctx, c, pod, cmd, kube.ExecOptions{Stdout: &stdout, Stderr: &stderr}, spdyOnly)
	return stdout.String(), stderr.String(), err
}

// TestExec runs commands in one pod through both transports.
func TestExec(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)

	for _, spdyOnly := range []bool{false, true} {
		name := "websocket"
		if spdyOnly {
			name = "spdy"
		}
		t.Run(name, func(t *testing.T) {
			out, errOut, err := execOut(t, c, pod, spdyOnly, "echo", "hello")
			if err != nil || out != "hello\n" || errOut != "" {
				t.Errorf("echo hello: stdout %q, stderr %q, %v", out, errOut, err)
			}
			out, errOut, err = execOut(t, c, pod, spdyOnly, "sh", "-c", "echo out; echo err >&2; exit 3")
			var exit *kube.ExitError
			if !errors.As(err, &exit) || exit.Code != 3 {
				t.Errorf("exit 3: %v (%T), want *kube.ExitError{3}", err, err)
			}
			if out != "out\n" || errOut != "err\n" {
				t.Errorf("exit 3: stdout %q, stderr %q", out, errOut)
			}
			_, _, err = execOut(t, c, pod, spdyOnly, "no-such-command")
			if err == nil {
				t.Errorf("no-such-command: no error")
			} else {
				t.Logf("no-such-command: %v", err)
			}

			// Stdin round-trips through cat, which ends at its EOF.
			in := make([]byte, 1<<20)
			for i := range in {
				in[i] = byte(rand.Uint32())
			}
			var got bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			start := time.Now()
			err = kube.ExecVia(ctx, c, pod, []string{"cat"}, kube.ExecOptions{Stdin: bytes.NewReader(in), Stdout: &got}, spdyOnly)
			if err != nil || !bytes.Equal(got.Bytes(), in) {
				t.Fatalf("cat 1 MiB: %v; got %d bytes, equal %v", err, got.Len(), bytes.Equal(got.Bytes(), in))
			}
			t.Logf("1 MiB through cat in %s", time.Since(start).Round(time.Millisecond))
		})
	}

	t.Run("wrong container", func(t *testing.T) {
		p := pod
		p.Container = "nope"
		_, _, err := execOut(t, c, p, false, "true")
		if err == nil || !strings.Contains(err.Error(), p.String()) {
			t.Errorf("container nope: %v, want an error naming %s", err, p)
		} else {
			t.Logf("container nope: %v", err)
		}
	})
}

// TestExecTar unpacks an archive made here in the pod.
func TestExecTar(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	var archive bytes.Buffer
	tw := tar.NewWriter(&archive)
	content := "content of a.txt\n"
	for _, h := range []*tar.Header{
		{Name: "a.txt", Mode: 0o644, Size: int64(len(content))},
		{Name: "sub/", Mode: 0o755, Typeflag: tar.TypeDir},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeDir {
			tw.Write([]byte(content))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := execOut(t, c, pod, false, "mkdir", "-p", "/tmp/x"); err != nil {
		t.Fatalf("mkdir: %v %s", err, errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	err := kube.Exec(ctx, c, pod, []string{"tar", "-xf", "-", "-C", "/tmp/x"}, kube.ExecOptions{Stdin: &archive, Stderr: &stderr})
	if err != nil {
		t.Fatalf("tar: %v %s", err, stderr.String())
	}
	out, _, err := execOut(t, c, pod, false, "cat", "/tmp/x/a.txt")
	if err != nil || out != content {
		t.Errorf("cat /tmp/x/a.txt: %q, %v", out, err)
	}
	out, _, err = execOut(t, c, pod, false, "ls", "/tmp/x")
	if err != nil || out != "a.txt\nsub\n" {
		t.Errorf("ls /tmp/x: %q, %v", out, err)
	}
}

// TestExecTTY: the size sent first becomes the terminal's size; stderr
// is merged into stdout.
func TestExecTTY(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	for _, spdyOnly := range []bool{false, true} {
		resize := make(chan kube.TerminalSize, 1)
		resize <- kube.TerminalSize{Width: 100, Height: 40}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var out bytes.Buffer
		// stty reads the size of its stdin: the TTY is stdin only when
		// stdin is requested (as with kubectl exec -it).
		stdin, w := io.Pipe()
		// The exec API has no initial size: the runtime starts the process
		// with a 0x0 terminal and applies the first resize just after, so a
		// bare `stty size` races it (and loses here with containerd: "stty:
		// standard input", exit status 0). Wait for the size instead.
		script := `for i in $(seq 100); do s=$(stty size 2>/dev/null); [ -n "$s" ] && [ "$s" != "0 0" ] && break; sleep 0.02; done; echo "$s"`
		err := kube.ExecVia(ctx, c, pod, []string{"sh", "-c", script}, kube.ExecOptions{Stdin: stdin, Stdout: &out, TTY: true, Resize: resize}, spdyOnly)
		w.Close()
		cancel()
		if err != nil || strings.TrimSpace(out.String()) != "40 100" {
			t.Errorf("spdyOnly=%v: stty size: %q, %v; want \"40 100\"", spdyOnly, out.String(), err)
		}
		// The TTY turns "\n" into "\r\n" and merges stderr.
		ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
		out.Reset()
		err = kube.ExecVia(ctx, c, pod, []string{"sh", "-c", "echo err >&2; exit 4"}, kube.ExecOptions{Stdout: &out, TTY: true}, spdyOnly)
		cancel()
		var exit *kube.ExitError
		if !errors.As(err, &exit) || exit.Code != 4 || out.String() != "err\r\n" {
			t.Errorf("spdyOnly=%v: tty exit 4: %q, %v", spdyOnly, out.String(), err)
		}
	}
}

// TestExecCancel: cancelling ctx ends a long command promptly and leaves
// no goroutine behind.
func TestExecCancel(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	execOut(t, c, pod, false, "true") // warm up the client's shared transports
	before := runtime.NumGoroutine()
	for _, spdyOnly := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- kube.ExecVia(ctx, c, pod, []string{"sleep", "100"}, kube.ExecOptions{}, spdyOnly) }()
		time.Sleep(time.Second)
		start := time.Now()
		cancel()
		select {
		case err := <-done:
			took := time.Since(start)
			if err == nil {
				t.Errorf("spdyOnly=%v: cancelled sleep 100 returned nil", spdyOnly)
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("spdyOnly=%v: %v, want context.Canceled", spdyOnly, err)
			}
			t.Logf("spdyOnly=%v: ended %s after cancel: %v", spdyOnly, took.Round(time.Millisecond), err)
		case <-time.After(3 * time.Second):
			t.Fatalf("spdyOnly=%v: sleep 100 still running 3 s after cancel", spdyOnly)
		}
	}
	kubetest.NoGoroutinesLeft(t, before)
}

// TestExecLatency logs the median time of a `true` exec.
func TestExecLatency(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	for _, spdyOnly := range []bool{false, true} {
		var times []time.Duration
		for range 20 {
			start := time.Now()
			if _, _, err := execOut(t, c, pod, spdyOnly, "true"); err != nil {
				t.Fatal(err)
			}
			times = append(times, time.Since(start))
		}
		slices.Sort(times)
		t.Logf("spdyOnly=%v: true exec: median %s, min %s, max %s", spdyOnly,
			times[len(times)/2].Round(time.Microsecond), times[0].Round(time.Microsecond), times[len(times)-1].Round(time.Microsecond))
	}
}
