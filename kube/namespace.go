package kube

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var namespaces = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}

// EnsureNamespace creates the namespace when it does not exist. Each
// namespace is checked once per client.
func (c *Client) EnsureNamespace(ctx context.Context, name string) error {
	c.nsMu.Lock()
	defer c.nsMu.Unlock()
	if err, done := c.nsErr[name]; done {
		return err
	}
	err := c.ensureNamespace(ctx, name)
	if ctx.Err() == nil {
		c.nsErr[name] = err
	}
	return err
}

func (c *Client) ensureNamespace(ctx context.Context, name string) error {
	r := c.dynamic.Resource(namespaces)
	_, err := r.Get(ctx, name, metav1.GetOptions{})
	if err == nil {
		return nil
	}
	if !apierrors.IsNotFound(err) && !apierrors.IsForbidden(err) {
		if err := c.classify(err); isUnreachable(err) {
			return err
		}
		return fmt.Errorf("namespace %q: %w", name, err)
	}
	// Forbidden to read namespaces is common for tenants who may still use
	// theirs: try to create, and accept AlreadyExists.
	ns := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name},
	}}
	_, err = r.Create(ctx, ns, metav1.CreateOptions{FieldManager: FieldManager})
	switch {
	case err == nil, apierrors.IsAlreadyExists(err):
		return nil
	case apierrors.IsForbidden(err):
		return fmt.Errorf("namespace %q does not exist or is not yours, and creating it is forbidden (%v); ask for access, or choose another namespace with -n", name, err)
	default:
		return fmt.Errorf("create namespace %q: %w", name, c.classify(err))
	}
}

func isUnreachable(err error) bool {
	var ue *UnreachableError
	return errors.As(err, &ue)
}
