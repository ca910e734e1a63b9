package filesync

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/dev/agent/agenttest"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
)

// runSync runs Sync until the test ends and waits for its initial sync.
func runSync(t *testing.T, c *kube.Client, sel kube.Selector, cfg SyncConfig) *kube.LockedBuffer {
	t.Helper()
	if cfg.Agent == nil {
		cfg.Agent = agenttest.Agent(t)
	}
	var log kube.LockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan error, 1)
	done := make(chan error, 1)
	next := func(ctx context.Context) (kube.Pod, error) { return kube.WaitPod(ctx, c, sel) }
	go func() { done <- Sync(ctx, c, next, cfg, &log, ready) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sync: %v", err)
		}
		t.Logf("sync log:\n%s", log.String())
	})
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("initial sync: %v\n%s", err, log.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no initial sync in 60 s:\n%s", log.String())
	}
	return &log
}

// eventually retries check until it returns "" (or fails the test with
// its last complaint after limit).
func eventually(t *testing.T, limit time.Duration, check func() string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		msg := check()
		if msg == "" {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("after %s: %s", limit, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// remoteIs waits until the file in the pod has content want ("" for
// absent).
func remoteIs(t *testing.T, c *kube.Client, pod kube.Pod, file, want string) {
	t.Helper()
	eventually(t, 15*time.Second, func() string {
		got := kubetest.Sh(t, c, pod, "cat "+file+" 2>/dev/null || true")
		if got != want {
			return file + " in the container is " + quote(got) + ", want " + quote(want)
		}
		return ""
	})
}

// localIs waits until the local file has content want ("" for absent).
func localIs(t *testing.T, file, want string) {
	t.Helper()
	eventually(t, 15*time.Second, func() string {
		data, _ := os.ReadFile(file)
		if string(data) != want {
			return file + " is " + quote(string(data)) + ", want " + quote(want)
		}
		return ""
	})
}

func quote(s string) string { return "\"" + strings.ReplaceAll(s, "\n", `\n`) + "\"" }

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
