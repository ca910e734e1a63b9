package agent_test

import (
	"bytes"
	"context"
	"debug/elf"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/dev/agent/agenttest"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
)

// fakeUname is a container script that puts a uname printing machine
// ahead of busybox's on PATH, as an arm64 (or other) container's uname
// would answer, then sleeps.
func fakeUname(machine string) string {
	return `mkdir -p /usr/local/bin && printf '#!/bin/sh\necho ` + machine + `\n' > /usr/local/bin/uname && chmod +x /usr/local/bin/uname && touch /ready && exec sleep 3600`
}

// container runs busybox with script; it is ready once /ready exists.
func container(name, script string) map[string]any {
	return map[string]any{
		"name": name, "image": kubetest.Busybox(), "command": []any{"sh", "-c", script},
		"readinessProbe": map[string]any{"exec": map[string]any{"command": []any{"test", "-e", "/ready"}}, "periodSeconds": int64(1)},
	}
}

// TestSelection runs on the test bed's one-node amd64 cluster, in one
// pod whose containers answer uname -m differently; each gets the agent
// build its architecture asks for. An arm64 build is copied into an
// amd64 container (dev.*.arch: arm64, or a uname saying aarch64) and
// cannot run there (the node has no binfmt emulation): the test checks
// the ELF machine of the file copied in and the error that names the
// architecture and why it was picked. The amd64 build runs.
func TestSelection(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	d := kubetest.Deployment("arch", container("plain", "touch /ready && exec sleep 3600"))
	spec := d.Object["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	spec["containers"] = append(spec["containers"].([]any),
		container("forced", "touch /ready && exec sleep 3600"),
		container("aarch64", fakeUname("aarch64")),
		container("armv7", fakeUname("armv7l")),
		container("nouname", "rm /bin/uname && touch /ready && exec sleep 3600"),
	)
	kubetest.Apply(t, c, ns, d)
	pod := kubetest.WaitPod(t, c, kube.Selector{Namespace: ns, LabelSelector: map[string]string{"app": "arch"}})
	in := func(t *testing.T, name string) kube.Pod {
		p := pod
		p.Container = name
		for range 60 { // WaitPod waited for the first container only
			if _, _, err := kubetest.Exec(t, c, p, "test", "-e", "/ready"); err == nil {
				return p
			}
			time.Sleep(time.Second)
		}
		t.Fatalf("%s is not ready", p)
		return p
	}
	a := agenttest.Agent(t)
	ctx := context.Background()

	t.Run("amd64 detected by uname", func(t *testing.T) {
		p := in(t, "plain")
		path, err := a.Ensure(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		if m := machineIn(t, c, p, path); m != elf.EM_X86_64 {
			t.Errorf("%s is %s", path, m)
		}
		if out := kubetest.Sh(t, c, p, path+" -version"); !strings.Contains(out, "devspace-sync-agent/") {
			t.Errorf("-version: %q", out)
		}
	})
	t.Run("arm64 by dev.arch", func(t *testing.T) {
		p := in(t, "forced")
		_, err := a.ForArch("arm64").Ensure(ctx, c, p)
		wantNotRunning(t, err, "the linux/arm64 sync agent (dev.*.arch is arm64) does not run in "+p.String())
		if m := machineIn(t, c, p, copied(t, c, p)); m != elf.EM_AARCH64 {
			t.Errorf("copied %s, want AArch64", m)
		}
	})
	t.Run("arm64 detected by uname", func(t *testing.T) {
		p := in(t, "aarch64")
		_, err := a.Ensure(ctx, c, p)
		wantNotRunning(t, err, "the linux/arm64 sync agent (uname -m says aarch64) does not run in "+p.String())
		if m := machineIn(t, c, p, copied(t, c, p)); m != elf.EM_AARCH64 {
			t.Errorf("copied %s, want AArch64", m)
		}
	})
	t.Run("other architectures refused", func(t *testing.T) {
		p := in(t, "armv7")
		_, err := a.Ensure(ctx, c, p)
		if err == nil || !strings.Contains(err.Error(), `armv7l (uname -m in `+p.String()+`): no sync agent for architecture "armv7l": it is built for linux/amd64 and linux/arm64`) {
			t.Errorf("err = %v", err)
		}
		if ls := kubetest.Sh(t, c, p, "ls /tmp 2>/dev/null || true"); ls != "" {
			t.Errorf("copied anyway: %s", ls)
		}
	})
	t.Run("no uname: the node's architecture", func(t *testing.T) {
		p := in(t, "nouname")
		path, err := a.Ensure(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		if m := machineIn(t, c, p, path); m != elf.EM_X86_64 {
			t.Errorf("%s is %s", path, m)
		}
	})
}

// wantNotRunning checks that err is the agent failing to start in an
// amd64 container, as an arm64 program does there.
func wantNotRunning(t *testing.T, err error, want string) {
	t.Helper()
	t.Log(err)
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "exec format error") {
		t.Errorf("err = %v, want %q … exec format error", err, want)
	}
}

// copied is the one agent file in p's /tmp.
func copied(t *testing.T, c *kube.Client, p kube.Pod) string {
	t.Helper()
	files := strings.Fields(kubetest.Sh(t, c, p, "ls /tmp/devspace-sync-agent-*"))
	if len(files) != 1 {
		t.Fatalf("agents in /tmp: %v", files)
	}
	return files[0]
}

// machineIn reads the ELF machine of the file at path in p.
func machineIn(t *testing.T, c *kube.Client, p kube.Pod, path string) elf.Machine {
	t.Helper()
	out, errOut, err := kubetest.Exec(t, c, p, "cat", path)
	if err != nil {
		t.Fatalf("cat %s: %v %s", path, err, errOut)
	}
	f, err := elf.NewFile(bytes.NewReader([]byte(out)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f.Machine
}
