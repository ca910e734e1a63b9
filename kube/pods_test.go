package kube_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
)

// TestWaitPodByLabelAndImage: both selectors find the Deployment's pod
// and its container; an image of another tag or repository does not.
func TestWaitPodByLabelAndImage(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	kubetest.Apply(t, c, ns, kubetest.WebDeployment("web"))
	start := time.Now()
	byLabel := kubetest.WaitPod(t, c, kube.Selector{Namespace: ns, LabelSelector: map[string]string{"app": "web"}})
	t.Logf("pod ready after %s", time.Since(start).Round(time.Millisecond))
	if byLabel.Container != "web" || byLabel.Namespace != ns || byLabel.UID == "" {
		t.Fatalf("by label: %+v", byLabel)
	}
	untagged := strings.TrimSuffix(kubetest.Busybox(), ":1")
	for _, image := range []string{kubetest.Busybox(), untagged} {
		if got := kubetest.WaitPod(t, c, kube.Selector{Namespace: ns, ImageSelector: image}); got != byLabel {
			t.Errorf("image %s: %+v, want %+v", image, got, byLabel)
		}
	}
	for _, image := range []string{untagged + ":2", "devspace-test/busybox:1"} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := kube.WaitPod(ctx, c, kube.Selector{Namespace: ns, ImageSelector: image})
		cancel()
		if err == nil || !strings.Contains(err.Error(), "no pod matches") {
			t.Errorf("image %s: %v, want no pod matches", image, err)
		}
	}
}

// TestWaitPodTimeoutSaysWhy: the error names the selector, the namespace
// and what keeps the newest candidate from being ready.
func TestWaitPodTimeoutSaysWhy(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	obj := kubetest.Deployment("broken", map[string]any{"name": "app", "image": "127.0.0.1:5000/devspace-test/does-not-exist:1"})
	kubetest.Apply(t, c, ns, obj)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	_, err := kube.WaitPod(ctx, c, kube.Selector{Namespace: ns, LabelSelector: map[string]string{"app": "broken"}})
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
