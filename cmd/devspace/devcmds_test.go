package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/dev/replace"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
	"github.com/devspace-engine/devspace/testbed"
)

// devspaceIn runs devspace in dir with stdin and returns its stdout,
// stderr and exit code.
func devspaceIn(t *testing.T, dir, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "devspace"), args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// TestRestartAndResetPods replaces a Deployment's pod the way dev mode
// does, with the restart helper: `devspace restart` starts the held-back
// process, then runs it again (a new PID); a container without the
// helper is refused with what to set; `devspace reset pods` gives the
// Deployment its replicas back and deletes the dev copy, and says so
// when there is nothing left to restore.
func TestRestartAndResetPods(t *testing.T) {
	// The test bed's busybox has no /tmp, where the helper keeps its files.
	c, ns := kubetest.Cluster(t)
	sleeper := kubetest.Deployment("sleeper", map[string]any{
		"name": "main", "image": kubetest.Busybox(), "command": []any{"sleep", "3600"},
		"volumeMounts": []any{map[string]any{"name": "tmp", "mountPath": "/tmp"}},
	})
	if err := unstructured.SetNestedSlice(sleeper.Object, []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{}}}, "spec", "template", "spec", "volumes"); err != nil {
		t.Fatal(err)
	}
	kubetest.Apply(t, c, ns, sleeper)
	pod := kubetest.WaitPod(t, c, kube.Selector{Namespace: ns, LabelSelector: map[string]string{"app": "sleeper"}})
	kubeconfig := testbed.Kube(t).Kubeconfig
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sel, err := replace.Replace(ctx, c, pod, "devcmds", "api", replace.PodChanges{Containers: []replace.Changes{{Container: "main", RestartHelper: true}}})
	if err != nil {
		t.Fatal(err)
	}
	devPod := kubetest.WaitPod(t, c, sel)
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{"devspace.yaml": "version: v2beta1\nname: devcmds\n"})
	restart := func() (string, string, int) {
		return devspaceIn(t, dir, "", "restart", "--kubeconfig", kubeconfig, "-n", ns, "--pod", devPod.Name, "-c", "main")
	}

	out, errOut, code := restart()
	if code != 0 || !strings.HasPrefix(out, "Started the process") {
		t.Fatalf("first restart: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	pid := waitHelperPID(t, c, devPod, "")
	out, errOut, code = restart()
	if code != 0 || !strings.HasPrefix(out, "Restarted the process") {
		t.Fatalf("second restart: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	waitHelperPID(t, c, devPod, pid)

	kubetest.Apply(t, c, ns, kubetest.Deployment("plain", map[string]any{"name": "main", "image": kubetest.Busybox(), "command": []any{"sleep", "3600"}}))
	plain := kubetest.WaitPod(t, c, kube.Selector{Namespace: ns, LabelSelector: map[string]string{"app": "plain"}})
	_, errOut, code = devspaceIn(t, dir, "", "restart", "--kubeconfig", kubeconfig, "-n", ns, "--pod", plain.Name)
	if code == 0 || !strings.Contains(errOut, "does not run devspace's restart helper") {
		t.Errorf("restart without the helper: exit %d, stderr %s", code, errOut)
	}

	out, errOut, code = devspaceIn(t, dir, "", "reset", "pods", "--kubeconfig", kubeconfig, "-n", ns)
	if code != 0 || !strings.Contains(out, "Restored "+ns+"/Deployment/sleeper") {
		t.Fatalf("reset pods: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	sleeper, err = c.Get(ctx, kube.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: "sleeper"})
	if err != nil {
		t.Fatal(err)
	}
	if sleeper == nil {
		t.Fatal("the Deployment sleeper is gone after reset pods")
	}
	if n, _, _ := unstructured.NestedInt64(sleeper.Object, "spec", "replicas"); n != 1 {
		t.Errorf("sleeper has %d replicas after reset pods, want 1", n)
	}
	// Deleted (Get says nil), or on its way (its pods go first).
	if cp, err := c.Get(ctx, kube.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: "sleeper-devspace"}); err != nil || cp != nil && cp.GetDeletionTimestamp() == nil {
		t.Errorf("the dev copy sleeper-devspace is still there after reset pods")
	}
	out, errOut, code = devspaceIn(t, dir, "", "reset", "pods", "--kubeconfig", kubeconfig, "-n", ns)
	if code != 0 || !strings.Contains(out, "No replaced pods of project devcmds") {
		t.Errorf("reset pods again: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
}

// waitHelperPID waits until the restart helper in pod records a process ID
// other than old, and returns it.
func waitHelperPID(t *testing.T, c *kube.Client, pod kube.Pod, old string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _, _ := kubetest.Exec(t, c, pod, "cat", "/tmp/.devspace-restart-pid")
		if pid := strings.TrimSpace(out); pid != "" && pid != old {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restart helper in %s recorded no new process (old %q) in 30 s", pod, old)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestAttachCommand attaches to a container that reads its stdin: the
// line sent reaches the main process, and its answer comes back while
// attached. (The process keeps running; Ctrl-C ends the attach.)
func TestAttachCommand(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	kubeconfig := testbed.Kube(t).Kubeconfig
	kubetest.Apply(t, c, ns, &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "reader", "labels": map[string]any{"app": "reader"}},
		"spec": map[string]any{
			"restartPolicy":                 "Never",
			"terminationGracePeriodSeconds": int64(1),
			"containers": []any{map[string]any{
				"name": "main", "image": kubetest.Busybox(), "stdin": true,
				"command": []any{"sh", "-c", "while read line; do echo got $line; done"},
			}},
		},
	}})
	kubetest.WaitPod(t, c, kube.Selector{Namespace: ns, Pod: "reader"})
	cmd := exec.Command(filepath.Join(binDir, "devspace"), "attach", "--kubeconfig", kubeconfig, "-n", ns, "--pod", "reader")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out testbed.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// Sent until answered: a line written before the attach is set up
	// on the server's side reaches no one.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "got hello") {
		if time.Now().After(deadline) {
			t.Fatalf("attach: no answer to hello within 30 s:\n%s", out.String())
		}
		if _, err := io.WriteString(stdin, "hello\n"); err != nil {
			t.Fatalf("attach ended early: %v\n%s", err, out.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("attach did not stop on Ctrl-C:\n%s", out.String())
	}
}
