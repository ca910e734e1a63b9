package kube

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/testbed"
)

func TestMain(m *testing.M) { os.Exit(testbed.Main(m)) }

// openTestbed connects to the test bed's cluster in a fresh namespace,
// deleted at the end.
func openTestbed(t *testing.T) (*Client, string) {
	env := testbed.Kube(t)
	c, err := Open(Options{Getenv: func(k string) string {
		if k == "KUBECONFIG" {
			return env.Kubeconfig
		}
		return os.Getenv(k)
	}})
	if err != nil {
		t.Fatal(err)
	}
	ns := fmt.Sprintf("kube-test-%08x", rand.Uint32())
	if err := c.EnsureNamespace(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Delete(context.Background(), Ref{APIVersion: "v1", Kind: "Namespace", Name: ns}, false)
	})
	return c, ns
}

func configMap(name, value string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name},
		"data":     map[string]any{"k": value},
	}}
}

// TestApplyTellsCreatedChangedAndUnchanged: the first apply creates, the
// same apply again leaves the resourceVersion alone, a change moves it.
func TestApplyTellsCreatedChangedAndUnchanged(t *testing.T) {
	c, ns := openTestbed(t)
	ctx := context.Background()
	first, err := c.Apply(ctx, configMap("cm", "1"), ns)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created || first.UID == "" || first.Namespace != ns {
		t.Fatalf("first apply: %+v", first)
	}
	same, err := c.Apply(ctx, configMap("cm", "1"), ns)
	if err != nil {
		t.Fatal(err)
	}
	if same.Created || same.ResourceVersion != first.ResourceVersion || same.UID != first.UID {
		t.Fatalf("an identical apply changed something: %+v then %+v", first, same)
	}
	changed, err := c.Apply(ctx, configMap("cm", "2"), ns)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Created || changed.ResourceVersion == first.ResourceVersion {
		t.Fatalf("a changed apply: %+v", changed)
	}
}

// TestApplyWithOptions: the field manager is the one asked for, and
// without force a field another manager owns fails the apply instead of
// changing hands.
func TestApplyWithOptions(t *testing.T) {
	c, ns := openTestbed(t)
	ctx := context.Background()
	if _, err := c.ApplyWith(ctx, configMap("cm", "1"), ns, ApplyOptions{FieldManager: "ci"}); err != nil {
		t.Fatal(err)
	}
	obj, err := c.Get(ctx, Ref{APIVersion: "v1", Kind: "ConfigMap", Namespace: ns, Name: "cm"})
	if err != nil || obj == nil {
		t.Fatalf("get: %v, %v", obj, err)
	}
	var managers []string
	for _, f := range obj.GetManagedFields() {
		managers = append(managers, f.Manager)
	}
	if len(managers) != 1 || managers[0] != "ci" {
		t.Errorf("managers = %v, want [ci]", managers)
	}
	_, err = c.ApplyWith(ctx, configMap("cm", "2"), ns, ApplyOptions{NoForce: true})
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "conflict") {
		t.Errorf("apply without force over ci's field: %v, want a conflict", err)
	}
	if _, err := c.Apply(ctx, configMap("cm", "2"), ns); err != nil {
		t.Errorf("apply with force (the default): %v", err)
	}
}

// TestDeleteLeavesAReplacedObjectAlone: deleting by a recorded UID must
// not remove a newer object of the same name.
func TestDeleteLeavesAReplacedObjectAlone(t *testing.T) {
	c, ns := openTestbed(t)
	ctx := context.Background()
	old, err := c.Apply(ctx, configMap("cm", "old"), ns)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, old.Ref, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(ctx, configMap("cm", "new"), ns); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, old.Ref, false); !errors.Is(err, ErrReplaced) {
		t.Fatalf("delete by the old UID: %v, want ErrReplaced", err)
	}
	obj, err := c.Get(ctx, old.Ref)
	if err != nil || obj == nil {
		t.Fatalf("the new object is gone: %v", err)
	}
	if err := c.Delete(ctx, Ref{APIVersion: "v1", Kind: "ConfigMap", Namespace: ns, Name: "never-was"}, false); err != nil {
		t.Fatalf("deleting a missing object: %v", err)
	}
}

func TestOpenNamesTheMissingContext(t *testing.T) {
	env := testbed.Kube(t)
	_, err := Open(Options{Context: "typo", Getenv: func(k string) string {
		if k == "KUBECONFIG" {
			return env.Kubeconfig
		}
		return ""
	}})
	if err == nil || !strings.Contains(err.Error(), `kube context "typo" not found`) || !strings.Contains(err.Error(), env.Context) {
		t.Fatalf("error %v", err)
	}
}

func TestUnknownKindIsNamed(t *testing.T) {
	c, ns := openTestbed(t)
	obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": map[string]any{"name": "g"}}}
	_, err := c.Apply(context.Background(), obj, ns)
	var nk *NoKindError
	if !errors.As(err, &nk) || nk.GVK.Kind != "Gadget" {
		t.Fatalf("error %v, want a NoKindError for Gadget", err)
	}
}
