package replace

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
)

// TestReplaceExisting: once a workload is replaced, no pod runs the image
// its selector names (the copy's run devImage); the workload is found by
// its pod template, and its copy updated, for the same dev config only.
func TestReplaceExisting(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kubetest.Apply(t, c, ns, kubetest.Deployment("app", map[string]any{
		"name": "main", "image": kubetest.Busybox(), "command": []any{"sleep", "3600"},
	}))
	sel := kube.Selector{Namespace: ns, ImageSelector: kubetest.Busybox()}
	round := func(n string) PodChanges {
		// The dev image need not exist: only the copy's template matters.
		return PodChanges{Containers: []Changes{{Image: kubetest.Busybox() + "-dev", Env: map[string]string{"ROUND": n}}}}
	}
	if _, w, err := ReplaceExisting(ctx, c, sel, "proj", "app", round("0")); err != nil || w != "" {
		t.Fatalf("before any replacement: %q, %v", w, err)
	}
	first, err := Replace(ctx, c, kubetest.WaitPod(t, c, sel), "proj", "app", round("1"))
	if err != nil {
		t.Fatal(err)
	}

	again, w, err := ReplaceExisting(ctx, c, sel, "proj", "app", round("2"))
	if err != nil || w != "Deployment/app" {
		t.Fatalf("second start: %q, %v", w, err)
	}
	if again.Container != "main" || again.LabelSelector[LabelDevCopy] != "app-devspace" || again.LabelSelector[labelTemplate] == first.LabelSelector[labelTemplate] {
		t.Errorf("second start selects %+v, first %+v: want the updated copy's pods only", again, first)
	}
	copyObj := get(ctx, t, c, ns, "app-devspace")
	env, _, _ := unstructured.NestedSlice(copyObj.Object, "spec", "template", "spec", "containers")
	if got := env[0].(map[string]any)["env"].([]any)[0].(map[string]any)["value"]; got != "2" {
		t.Errorf("the copy's ROUND is %v, want 2", got)
	}
	orig := get(ctx, t, c, ns, "app")
	if rec, _, _ := recordOf(orig); rec.Replicas != 1 {
		t.Errorf("record %+v: the original's replicas are lost", rec)
	}

	for _, other := range []struct {
		sel kube.Selector
		dev string
	}{
		{sel, "other"}, // another dev config's replacement is not ours to update
		{kube.Selector{Namespace: ns, ImageSelector: kubetest.Busybox() + "-nothing"}, "app"},
		{kube.Selector{Namespace: ns, ImageSelector: kubetest.Busybox(), LabelSelector: map[string]string{"app": "db"}}, "app"},
	} {
		if _, w, err := ReplaceExisting(ctx, c, other.sel, "proj", other.dev, round("3")); err != nil || w != "" {
			t.Errorf("%s for dev %s: %q, %v; want none", other.sel, other.dev, w, err)
		}
	}
	if restored, err := Restore(ctx, c, ns, "proj", ""); err != nil || len(restored) != 1 {
		t.Errorf("restore: %v, %v", restored, err)
	}
}

func get(ctx context.Context, t *testing.T, c *kube.Client, ns, name string) *unstructured.Unstructured {
	t.Helper()
	obj, err := c.Get(ctx, kube.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: name})
	if err != nil || obj == nil {
		t.Fatalf("get deployment %s: %v", name, err)
	}
	return obj
}
