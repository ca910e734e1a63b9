// Package kubetest helps tests run pods in the test bed's cluster: a fresh
// namespace, busybox Deployments, waiting for and deleting their pods. The
// pod plumbing's tests (kube) and dev mode's (dev/...) share it.
package kubetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/testbed"
)

// busybox is REGISTRY/devspace-test/busybox:1 in the test bed's registry,
// which its cluster pulls from; Cluster pushes it.
var busybox string

// Busybox is the busybox image Cluster pushed, for containers and image
// selectors.
func Busybox() string { return busybox }

// Cluster connects to the test bed's cluster in a fresh namespace, deleted
// at the end, after pushing Busybox: the tests rely on nothing an earlier
// run left in the registry.
func Cluster(t testing.TB) (*kube.Client, string) {
	t.Helper()
	env := testbed.Kube(t)
	busybox = testbed.Docker(t).RegistryBusyboxTag(t, "1")
	c, err := kube.Open(kube.Options{Getenv: func(k string) string {
		if k == "KUBECONFIG" {
			return env.Kubeconfig
		}
		return os.Getenv(k)
	}})
	if err != nil {
		t.Fatal(err)
	}
	ns := fmt.Sprintf("dev-test-%08x", rand.Uint32())
	if err := c.EnsureNamespace(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Delete(context.Background(), kube.Ref{APIVersion: "v1", Kind: "Namespace", Name: ns}, false)
	})
	return c, ns
}

// WebDeployment runs busybox httpd on port 8080 serving /www/index.html,
// which names the pod; it is ready once httpd answers.
func WebDeployment(name string) *unstructured.Unstructured {
	script := `mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www`
	probe := map[string]any{
		"exec":          map[string]any{"command": []any{"wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/index.html"}},
		"periodSeconds": int64(1),
	}
	return Deployment(name, map[string]any{
		"name": "web", "image": busybox, "command": []any{"sh", "-c", script}, "readinessProbe": probe,
	})
}

// CounterDeployment prints "POD line N" five times a second.
func CounterDeployment(name string) *unstructured.Unstructured {
	script := `h=$(hostname); i=0; while true; do echo "$h line $i"; i=$((i+1)); sleep 0.2; done`
	return Deployment(name, map[string]any{"name": "counter", "image": busybox, "command": []any{"sh", "-c", script}})
}

// Deployment is one replica of a pod with container, labelled app=name.
func Deployment(name string, container map[string]any) *unstructured.Unstructured {
	labels := map[string]any{"app": name}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": name},
		"spec": map[string]any{
			"replicas": int64(1),
			"selector": map[string]any{"matchLabels": labels},
			"template": map[string]any{
				"metadata": map[string]any{"labels": labels},
				"spec": map[string]any{
					// The shells ignore SIGTERM as PID 1: do not wait 30 s.
					"terminationGracePeriodSeconds": int64(1),
					"containers":                    []any{container},
				},
			},
		},
	}}
}

// Apply applies obj in ns.
func Apply(t testing.TB, c *kube.Client, ns string, obj *unstructured.Unstructured) {
	t.Helper()
	if _, err := c.Apply(context.Background(), obj, ns); err != nil {
		t.Fatal(err)
	}
}

// WaitPod waits at most a minute for a ready pod s selects.
func WaitPod(t testing.TB, c *kube.Client, s kube.Selector) kube.Pod {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := kube.WaitPod(ctx, c, s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// DeletePod deletes p (that very pod: by UID).
func DeletePod(t *testing.T, c *kube.Client, p kube.Pod) {
	t.Helper()
	err := c.Delete(context.Background(), kube.Ref{APIVersion: "v1", Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID}, false)
	if err != nil {
		t.Fatal(err)
	}
}

// SleeperPod starts a busybox Deployment that only sleeps, in a fresh
// namespace, and returns its pod.
func SleeperPod(t testing.TB) (*kube.Client, kube.Pod) {
	t.Helper()
	c, ns := Cluster(t)
	Apply(t, c, ns, Deployment("sleeper", map[string]any{
		"name": "main", "image": busybox, "command": []any{"sleep", "3600"},
	}))
	return c, WaitPod(t, c, kube.Selector{Namespace: ns, LabelSelector: map[string]string{"app": "sleeper"}})
}

// NoGoroutinesLeft waits a little for goroutines that are on their way
// out (closed connections) and fails if more remain than before.
func NoGoroutinesLeft(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		var stacks strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&stacks, 1)
		t.Fatalf("%d goroutines, %d before:\n%s", n, before, stacks.String())
	}
}

// Exec runs cmd in pod (for at most 30 s) and returns its stdout and
// stderr.
func Exec(t *testing.T, c *kube.Client, pod kube.Pod, cmd ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr kube.LockedBuffer
	err := kube.Exec(ctx, c, pod, cmd, kube.ExecOptions{Stdout: &stdout, Stderr: &stderr})
	return stdout.String(), stderr.String(), err
}

// Sh runs script with sh -c in pod and returns its stdout; it fails the
// test when the script fails.
func Sh(t *testing.T, c *kube.Client, pod kube.Pod, script string) string {
	t.Helper()
	out, errOut, err := Exec(t, c, pod, "sh", "-c", script)
	if err != nil {
		t.Fatalf("%s: %v %s", script, err, errOut)
	}
	return out
}
