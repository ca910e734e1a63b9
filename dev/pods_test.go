package dev

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/testbed"
)

// testBusybox is REGISTRY/devspace-test/busybox:1 in the test bed's
// registry, which its cluster pulls from; devTestbed pushes it.
var testBusybox string

// devTestbed connects to the test bed's cluster in a fresh namespace,
// deleted at the end, after pushing testBusybox: the tests rely on nothing
// an earlier run left in the registry.
func devTestbed(t *testing.T) (*kube.Client, string) {
	t.Helper()
	env := testbed.Kube(t)
	testBusybox = testbed.Docker(t).RegistryBusyboxTag(t, "1")
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

// webDeployment runs busybox httpd on port 8080 serving /www/index.html,
// which names the pod; it is ready once httpd answers.
func webDeployment(name string) *unstructured.Unstructured {
	script := `mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www`
	probe := map[string]any{
		"exec":          map[string]any{"command": []any{"wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/index.html"}},
		"periodSeconds": int64(1),
	}
	return deployment(name, map[string]any{
		"name": "web", "image": testBusybox, "command": []any{"sh", "-c", script}, "readinessProbe": probe,
	})
}

// counterDeployment prints "POD line N" five times a second.
func counterDeployment(name string) *unstructured.Unstructured {
	script := `h=$(hostname); i=0; while true; do echo "$h line $i"; i=$((i+1)); sleep 0.2; done`
	return deployment(name, map[string]any{"name": "counter", "image": testBusybox, "command": []any{"sh", "-c", script}})
}

func deployment(name string, container map[string]any) *unstructured.Unstructured {
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

func apply(t *testing.T, c *kube.Client, ns string, obj *unstructured.Unstructured) {
	t.Helper()
	if _, err := c.Apply(context.Background(), obj, ns); err != nil {
		t.Fatal(err)
	}
}

func waitPod(t *testing.T, c *kube.Client, s Selector) Pod {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := WaitPod(ctx, c, s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func deletePod(t *testing.T, c *kube.Client, p Pod) {
	t.Helper()
	err := c.Delete(context.Background(), kube.Ref{APIVersion: "v1", Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID}, false)
	if err != nil {
		t.Fatal(err)
	}
}

// TestWaitPodByLabelAndImage: both selectors find the Deployment's pod
// and its container; an image of another tag or repository does not.
func TestWaitPodByLabelAndImage(t *testing.T) {
	c, ns := devTestbed(t)
	apply(t, c, ns, webDeployment("web"))
	start := time.Now()
	byLabel := waitPod(t, c, Selector{Namespace: ns, LabelSelector: map[string]string{"app": "web"}})
	t.Logf("pod ready after %s", time.Since(start).Round(time.Millisecond))
	if byLabel.Container != "web" || byLabel.Namespace != ns || byLabel.UID == "" {
		t.Fatalf("by label: %+v", byLabel)
	}
	untagged := strings.TrimSuffix(testBusybox, ":1")
	for _, image := range []string{testBusybox, untagged} {
		if got := waitPod(t, c, Selector{Namespace: ns, ImageSelector: image}); got != byLabel {
			t.Errorf("image %s: %+v, want %+v", image, got, byLabel)
		}
	}
	for _, image := range []string{untagged + ":2", "devspace-test/busybox:1"} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := WaitPod(ctx, c, Selector{Namespace: ns, ImageSelector: image})
		cancel()
		if err == nil || !strings.Contains(err.Error(), "no pod matches") {
			t.Errorf("image %s: %v, want no pod matches", image, err)
		}
	}
}

// TestWaitPodTimeoutSaysWhy: the error names the selector, the namespace
// and what keeps the newest candidate from being ready.
func TestWaitPodTimeoutSaysWhy(t *testing.T) {
	c, ns := devTestbed(t)
	obj := deployment("broken", map[string]any{"name": "app", "image": "127.0.0.1:5000/devspace-test/does-not-exist:1"})
	apply(t, c, ns, obj)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	_, err := WaitPod(ctx, c, Selector{Namespace: ns, LabelSelector: map[string]string{"app": "broken"}})
	t.Log(err)
	for _, want := range []string{"labelSelector app=broken", ns, "newest candidate pod broken-", "waiting:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to say %q", err, want)
		}
	}
	if err != nil && !strings.Contains(err.Error(), "ImagePullBackOff") && !strings.Contains(err.Error(), "ErrImagePull") {
		t.Errorf("error %v, want the pull failure", err)
	}
}

func TestImageSelector(t *testing.T) {
	cases := []struct {
		sel, image string
		want       bool
	}{
		{"nginx", "docker.io/library/nginx:1.27", true},
		{"nginx:1.27", "nginx:1.27", true},
		{"nginx:1.27", "nginx:1.26", false},
		{"nginx:latest", "nginx", true},
		{"nginx", "nginx-extra:1", false},
		{"r.io/a/b", "r.io/a/b:dev", true},
		{"r.io/a/b:dev", "r.io/a/c:dev", false},
		{"r.io/a/b@sha256:" + strings.Repeat("a", 64), "r.io/a/b@sha256:" + strings.Repeat("a", 64), true},
		{"r.io/a/b@sha256:" + strings.Repeat("a", 64), "r.io/a/b:dev", false},
	}
	for _, tc := range cases {
		sel, err := parseImage(tc.sel)
		if err != nil {
			t.Fatal(err)
		}
		if got := sel.matches(tc.image, ""); got != tc.want {
			t.Errorf("%s matches %s: %v, want %v", tc.sel, tc.image, got, tc.want)
		}
	}
}

// TestContainerChoice: with an image selector the matching container is
// chosen; Container narrows it; a label selector picks the first.
func TestContainerChoice(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "sidecar", Image: "proxy:1"}, {Name: "app", Image: "r.io/app:dev"},
	}}}
	cases := []struct {
		s    Selector
		want string
	}{
		{Selector{ImageSelector: "r.io/app"}, "app"},
		{Selector{ImageSelector: "r.io/app", Container: "sidecar"}, ""},
		{Selector{LabelSelector: map[string]string{"a": "b"}}, "sidecar"},
		{Selector{LabelSelector: map[string]string{"a": "b"}, Container: "app"}, "app"},
		{Selector{LabelSelector: map[string]string{"a": "b"}, Container: "nope"}, ""},
	}
	for _, tc := range cases {
		m, err := newMatcher(tc.s)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.container(pod); got != tc.want {
			t.Errorf("%s: container %q, want %q", tc.s, got, tc.want)
		}
	}
	if _, err := newMatcher(Selector{}); err == nil {
		t.Error("an empty selector was accepted")
	}
}
