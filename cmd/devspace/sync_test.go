package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
	"github.com/devspace-engine/devspace/testbed"
)

// TestSyncNoWatch syncs once each way with --no-watch: --upload-only
// puts the local tree (less --exclude) into a running busybox pod and
// uploads only; --download-only brings the container's files back and
// sends nothing; both exit 0 once done.
func TestSyncNoWatch(t *testing.T) {
	c, pod, kubeconfig, dir := sleeperProject(t, map[string]string{
		"src/a.txt":      "alpha\n",
		"src/sub/b.txt":  "beta\n",
		"src/debug.log":  "left out\n",
		"back/local.txt": "stays here\n",
	})
	kubetest.Sh(t, c, pod, "mkdir -p /data/deep && echo gamma > /data/deep/c.txt && echo remote-only > /data/r.txt")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(filepath.Join(binDir, "devspace"), append([]string{"sync", "--kubeconfig", kubeconfig, "-n", pod.Namespace, "--no-watch"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("devspace sync %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	out := run("--pod", pod.Name, "--path", "./src:/app", "--upload-only", "-e", "*.log")
	if !strings.Contains(out, "Initial sync done") {
		t.Errorf("sync --upload-only: no initial sync reported:\n%s", out)
	}
	got := kubetest.Sh(t, c, pod, "cat /app/a.txt /app/sub/b.txt; ls /app")
	if got != "alpha\nbeta\na.txt\nsub\n" {
		t.Errorf("after sync --upload-only: the container has %q, want a.txt and sub/b.txt (debug.log excluded)", got)
	}

	run("-l", "app=sleeper", "--path", "back:/data", "--download-only")
	for name, want := range map[string]string{"back/deep/c.txt": "gamma\n", "back/r.txt": "remote-only\n", "back/local.txt": "stays here\n"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(data) != want {
			t.Errorf("after sync --download-only: %s is %q (%v), want %q", name, data, err, want)
		}
	}
	if got := kubetest.Sh(t, c, pod, "ls /data"); got != "deep\nr.txt\n" {
		t.Errorf("sync --download-only uploaded: /data has %q", got)
	}
}

// TestSyncWatchFromConfig runs devspace sync without --path: the dev
// config's sync entry, on its selector's pod. A local change reaches the
// container and a change there comes back while it runs; Ctrl-C stops it.
func TestSyncWatchFromConfig(t *testing.T) {
	c, pod, kubeconfig, dir := sleeperProject(t, map[string]string{
		"devspace.yaml": `version: v2beta1
name: synccmd
dev:
  app:
    labelSelector: {app: sleeper}
    sync:
    - path: ./code:/code
`,
		"code/first.txt": "one\n",
	})
	cmd := exec.Command(filepath.Join(binDir, "devspace"), "sync", "--kubeconfig", kubeconfig, "-n", pod.Namespace)
	cmd.Dir = dir
	var out testbed.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	waitFor(t, "the initial sync", func() bool { return strings.Contains(out.String(), "Initial sync done") }, &out)
	if got := kubetest.Sh(t, c, pod, "cat /code/first.txt"); got != "one\n" {
		t.Fatalf("initial sync: /code/first.txt is %q", got)
	}

	testbed.WriteTree(t, dir, map[string]string{"code/later.txt": "two\n"})
	waitFor(t, "the local change in the container", func() bool {
		got, _, _ := kubetest.Exec(t, c, pod, "cat", "/code/later.txt")
		return got == "two\n"
	}, &out)
	kubetest.Sh(t, c, pod, "echo three > /code/remote.txt")
	waitFor(t, "the container's change here", func() bool {
		data, _ := os.ReadFile(filepath.Join(dir, "code/remote.txt"))
		return string(data) == "three\n"
	}, &out)

	if ps := kubetest.Sh(t, c, pod, "ps -o args"); !strings.Contains(ps, "devspace-sync-agent") {
		t.Fatalf("no sync agent runs in the container while sync runs:\n%s", ps)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 130 {
			t.Errorf("sync after Ctrl-C: %v, want exit status 130\n%s", err, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("sync still runs 10 s after Ctrl-C:\n%s", out.String())
	}
	// Nor does its agent in the container.
	waitFor(t, "the agent to end in the container", func() bool {
		return !strings.Contains(kubetest.Sh(t, c, pod, "ps -o args"), "devspace-sync-agent")
	}, &out)
}

// sleeperProject is a sleeping busybox pod in a fresh namespace, the test
// bed's kubeconfig, and a project directory holding files.
func sleeperProject(t *testing.T, files map[string]string) (*kube.Client, kube.Pod, string, string) {
	t.Helper()
	c, pod := kubetest.SleeperPod(t)
	dir := t.TempDir()
	testbed.WriteTree(t, dir, files)
	return c, pod, testbed.Kube(t).Kubeconfig, dir
}

// waitFor polls ok for up to 60 s.
func waitFor(t *testing.T, what string, ok func() bool, log interface{ String() string }) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s; output:\n%s", what, log.String())
}

// TestCommandsGoToTheDevSession: while `devspace dev` runs one of two dev
// configs, enter, logs and sync given no selector go to its pod (the
// dev copy it replaced the workload with), not to the question which dev
// config; when dev stops, its record is gone and the question is back.
func TestCommandsGoToTheDevSession(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	for _, name := range []string{"api", "web"} {
		kubetest.Apply(t, c, ns, kubetest.Deployment(name, map[string]any{
			"name": "main", "image": kubetest.Busybox(), "command": []any{"sh", "-c", "echo started as $ROLE; exec sleep 3600"},
		}))
	}
	kubeconfig := testbed.Kube(t).Kubeconfig
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{
		"devspace.yaml": `version: v2beta1
name: devsession
pipelines:
  dev: start_dev web
dev:
  api:
    labelSelector: {app: api}
    sync: [{path: ./code:/code}]
  web:
    labelSelector: {app: web}
    env: [{name: ROLE, value: dev-copy}]
    sync: [{path: ./code:/code, disableDownload: true}]
`,
		"code/f.txt": "f\n",
	})
	devspace := func(args ...string) *exec.Cmd {
		// The flags go right after the command: after `--` they would be
		// the container command's.
		args = append([]string{args[0], "--kubeconfig", kubeconfig, "-n", ns}, args[1:]...)
		cmd := exec.Command(filepath.Join(binDir, "devspace"), args...)
		cmd.Dir = dir
		return cmd
	}
	out, err := devspace("enter", "--", "true").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "several dev configs select pods (api, web)") {
		t.Fatalf("enter before dev: %v, want the dev configs named:\n%s", err, out)
	}

	dev := devspace("dev")
	var devOut testbed.SyncBuffer
	dev.Stdout, dev.Stderr = &devOut, &devOut
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = dev.Process.Kill() }()
	record := filepath.Join(dir, ".devspace", "dev.json")
	waitFor(t, "dev's session record", func() bool { _, err := os.Stat(record); return err == nil }, &devOut)

	out, err = devspace("enter", "--", "sh", "-c", "echo $ROLE").CombinedOutput()
	if err != nil || string(out) != "dev-copy\n" {
		t.Errorf("enter during dev: %v, %q; want the dev copy's ROLE, dev-copy", err, out)
	}
	out, err = devspace("logs").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "started as dev-copy") {
		t.Errorf("logs during dev: %v, want the dev copy's log:\n%s", err, out)
	}
	out, err = devspace("sync", "--no-watch", "--upload-only").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Initial sync done") {
		t.Errorf("sync during dev: %v\n%s", err, out)
	}

	if err := dev.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	_ = dev.Wait()
	if _, err := os.Stat(record); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after dev stopped, its record is still there (%v):\n%s", err, devOut.String())
	}
}

// TestSyncPicksAtTerminal: without --path, several dev configs with sync
// entries are asked about at a terminal; the one picked is synced.
func TestSyncPicksAtTerminal(t *testing.T) {
	c, pod, kubeconfig, dir := sleeperProject(t, map[string]string{
		"devspace.yaml": `version: v2beta1
name: syncpick
dev:
  api:
    labelSelector: {app: nothing}
    sync: [{path: ./a:/a}]
  worker:
    labelSelector: {app: sleeper}
    sync: [{path: ./w:/w}]
`,
		"w/picked.txt": "worker\n",
	})
	term := startOnTerminal(t, dir, "sync", "--no-watch", "--upload-only", "--kubeconfig", kubeconfig, "-n", pod.Namespace)
	at := term.expect(0, "Which dev config's pod?")
	term.typeKeys(keyDown + keyEnter) // worker
	term.expect(at, "Initial sync done")
	if err := term.wait(); err != nil {
		t.Fatalf("sync at a terminal: %v\n%s", err, term.screen())
	}
	if got := kubetest.Sh(t, c, pod, "cat /w/picked.txt"); got != "worker\n" {
		t.Errorf("after picking worker: /w/picked.txt is %q", got)
	}
}
