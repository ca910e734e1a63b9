package main

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
	"github.com/devspace-engine/devspace/testbed"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestLogs prints the last --lines of a container's log, and with -f
// goes on with new lines, and with the new pod once the pod is replaced.
func TestLogs(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	kubetest.Apply(t, c, ns, kubetest.CounterDeployment("counter"))
	sel := kube.Selector{Namespace: ns, LabelSelector: map[string]string{"app": "counter"}}
	pod := kubetest.WaitPod(t, c, sel)
	time.Sleep(time.Second) // a few lines logged
	kubeconfig := testbed.Kube(t).Kubeconfig
	devspace := func(args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(binDir, "devspace"), append([]string{"logs", "--kubeconfig", kubeconfig, "-n", ns}, args...)...)
		cmd.Dir = t.TempDir()
		return cmd
	}

	out, err := devspace("-l", "app=counter", "--lines", "3").CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err != nil || len(lines) != 3 || !strings.HasPrefix(lines[0], pod.Name+" line ") {
		t.Fatalf("logs --lines 3: %v, want 3 lines of %s:\n%s", err, pod.Name, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := devspace("-l", "app=counter", "-c", "counter", "-f", "--lines", "1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	context.AfterFunc(ctx, func() { _ = cmd.Process.Kill() })
	scan := bufio.NewScanner(stdout)
	line := regexp.MustCompile(`^(\S+) line (\d+)$`)
	seen := 0
	for scan.Scan() && seen < 5 { // lines go on coming from the first pod
		if m := line.FindStringSubmatch(scan.Text()); m == nil || m[1] != pod.Name {
			t.Fatalf("logs -f: line %q, want lines of %s", scan.Text(), pod.Name)
		}
		seen++
	}
	kubetest.DeletePod(t, c, pod)
	for scan.Scan() {
		if m := line.FindStringSubmatch(scan.Text()); m != nil && m[1] != pod.Name {
			return // the replacement's log
		}
	}
	t.Fatalf("logs -f never showed the new pod's lines (%v)", ctx.Err())
}

// TestLogsAllContainers prints the log of each container of a two
// container pod, each line after its container's name (also followed),
// and with --previous the log of a container's run that failed.
func TestLogsAllContainers(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	d := kubetest.Deployment("pair", map[string]any{
		"name": "a", "image": kubetest.Busybox(), "command": []any{"sh", "-c", "echo from a; exec sleep 3600"},
	})
	second := map[string]any{
		"name": "b", "image": kubetest.Busybox(), "volumeMounts": []any{map[string]any{"name": "state", "mountPath": "/state"}},
		// The first run fails; the restarted one stays up.
		"command": []any{"sh", "-c", "if [ -e /state/ran ]; then echo second run; exec sleep 3600; fi; touch /state/ran; echo first run; exit 3"},
	}
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	_ = unstructured.SetNestedSlice(d.Object, append(containers, second), "spec", "template", "spec", "containers")
	_ = unstructured.SetNestedSlice(d.Object, []any{map[string]any{"name": "state", "emptyDir": map[string]any{}}}, "spec", "template", "spec", "volumes")
	kubetest.Apply(t, c, ns, d)
	pod := kubetest.WaitPod(t, c, kube.Selector{Namespace: ns, LabelSelector: map[string]string{"app": "pair"}})
	waitRestarted(t, c, pod, "b")
	kubeconfig := testbed.Kube(t).Kubeconfig
	devspace := func(args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(binDir, "devspace"), append([]string{"logs", "--kubeconfig", kubeconfig, "-n", ns, "-l", "app=pair"}, args...)...)
		cmd.Dir = t.TempDir()
		return cmd
	}

	out, err := devspace("--all-containers").CombinedOutput()
	if err != nil || string(out) != "a: from a\nb: second run\n" {
		t.Errorf("logs --all-containers: %v, %q; want each container's line after its name", err, out)
	}
	out, err = devspace("-c", "b", "--previous").CombinedOutput()
	if err != nil || string(out) != "first run\n" {
		t.Errorf("logs -c b --previous: %v, %q; want the failed run's line", err, out)
	}

	cmd := devspace("--all-containers", "-f")
	var followed testbed.SyncBuffer
	cmd.Stdout, cmd.Stderr = &followed, &followed
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if s := followed.String(); strings.Contains(s, "a: from a\n") && strings.Contains(s, "b: second run\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("logs --all-containers -f: %q, want both containers' lines", followed.String())
		}
	}
}

// waitRestarted waits until container of pod runs again after a restart.
func waitRestarted(t *testing.T, c *kube.Client, pod kube.Pod, container string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		obj, err := c.Get(context.Background(), kube.Ref{APIVersion: "v1", Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name})
		if err != nil || obj == nil {
			t.Fatalf("pod %s: %v", pod.Name, err)
		}
		statuses, _, _ := unstructured.NestedSlice(obj.Object, "status", "containerStatuses")
		for _, st := range statuses {
			m, _ := st.(map[string]any)
			restarts, _, _ := unstructured.NestedInt64(m, "restartCount")
			if m["name"] == container && restarts > 0 && m["ready"] == true {
				return
			}
		}
	}
	t.Fatalf("container %s of pod %s was not restarted within 60 s", container, pod.Name)
}
