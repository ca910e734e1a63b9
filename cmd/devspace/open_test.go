package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/kube/kubetest"
	"github.com/devspace-engine/devspace/testbed"
)

// TestOpenCommand opens a namespace's app: without an ingress, a port
// forward from localhost to the service's pod serves it until Ctrl-C;
// with an ingress, its host (https with TLS) is what is opened.
func TestOpenCommand(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	kubeconfig := testbed.Kube(t).Kubeconfig
	kubetest.Apply(t, c, ns, kubetest.WebDeployment("web"))
	kubetest.Apply(t, c, ns, &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "web"},
		"spec": map[string]any{"selector": map[string]any{"app": "web"},
			"ports": []any{map[string]any{"port": int64(80), "targetPort": int64(8080)}}},
	}})
	port := freePort(t)
	cmd := exec.Command(filepath.Join(binDir, "devspace"), "open", "--kubeconfig", kubeconfig, "-n", ns, "--port", strconv.Itoa(port))
	cmd.Env = withoutDisplay(os.Environ())
	var out testbed.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	body := getUntil(t, "http://127.0.0.1:"+strconv.Itoa(port)+"/index.html", 60*time.Second)
	if !strings.HasPrefix(body, "hello from web-") {
		t.Errorf("through devspace open's forward: %q", body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "Open http://localhost:"+strconv.Itoa(port)) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done: // interrupted, as every command stopped by Ctrl-C says
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Errorf("devspace open after Ctrl-C: exit %d, want 130\n%s", code, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("devspace open did not stop on Ctrl-C:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "Open http://localhost:"+strconv.Itoa(port)) {
		t.Errorf("devspace open did not announce the URL:\n%s", out.String())
	}

	kubetest.Apply(t, c, ns, &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": map[string]any{"name": "web"},
		"spec": map[string]any{
			"tls":   []any{map[string]any{"hosts": []any{"shop.example"}}},
			"rules": []any{map[string]any{"host": "shop.example"}},
		},
	}})
	stdout, errOut, code := devspaceIn(t, t.TempDir(), "", "open", "--kubeconfig", kubeconfig, "-n", ns)
	if code != 0 || stdout != "Open https://shop.example\n" {
		t.Errorf("open with an ingress: exit %d, stdout %q, stderr %s", code, stdout, errOut)
	}
}

// withoutDisplay drops DISPLAY and WAYLAND_DISPLAY: no browser is started.
func withoutDisplay(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			out = append(out, kv)
		}
	}
	return out
}

// getUntil GETs url until it answers 200 or the time is up, and returns
// the body.
func getUntil(t *testing.T, url string, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 3 * time.Second}
	for {
		resp, err := client.Get(url)
		if err == nil {
			var b bytes.Buffer
			_, _ = io.Copy(&b, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return b.String()
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: no answer within %s (last error %v)", url, limit, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
