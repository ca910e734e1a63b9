package kube

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// Ref names one object in the cluster.
type Ref struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	// UID is the object's identity when it was applied: a later object of
	// the same name is another object.
	UID string `json:"uid,omitempty"`
}

func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Name + " (namespace " + r.Namespace + ")"
}

// Applied is the outcome of one server-side apply.
type Applied struct {
	Ref
	// Created is true when the apply made the object (HTTP 201): only such
	// objects are ours to delete later.
	Created bool
	// ResourceVersion is the object's version after the apply: an apply
	// that changed nothing leaves it as it was.
	ResourceVersion string
}

func (c *Client) mapping(ctx context.Context, gvk schema.GroupVersionKind) (mapping, error) {
	m, err := c.mapper.lookup(ctx, gvk)
	return m, c.classify(err)
}

// Apply server-side-applies obj (field manager FieldManager, taking over
// conflicting fields as `kubectl apply --server-side --force-conflicts`
// does). A namespaced object without a namespace goes to namespace.
func (c *Client) Apply(ctx context.Context, obj *unstructured.Unstructured, namespace string) (Applied, error) {
	return c.ApplyWith(ctx, obj, namespace, ApplyOptions{})
}

// ApplyOptions change how Apply applies.
type ApplyOptions struct {
	// FieldManager owns the applied fields; empty means FieldManager.
	FieldManager string
	// NoForce fails on a field another manager owns instead of taking
	// it over.
	NoForce bool
}

// ApplyWith is Apply with options.
func (c *Client) ApplyWith(ctx context.Context, obj *unstructured.Unstructured, namespace string, opts ApplyOptions) (Applied, error) {
	gvk := obj.GroupVersionKind()
	m, err := c.mapping(ctx, gvk)
	if err != nil {
		return Applied{}, err
	}
	ns := ""
	if m.Namespaced {
		ns = obj.GetNamespace()
		if ns == "" {
			ns = namespace
		}
	}
	obj.SetNamespace(ns)
	body, err := obj.MarshalJSON()
	if err != nil {
		return Applied{}, fmt.Errorf("encode %s/%s: %w", gvk.Kind, obj.GetName(), err)
	}
	var code int
	raw, err := c.rest.Patch(types.ApplyPatchType).
		AbsPath(resourcePath(m.Resource, ns, obj.GetName())).
		Param("fieldManager", cmp.Or(opts.FieldManager, FieldManager)).
		Param("force", strconv.FormatBool(!opts.NoForce)).
		Body(body).
		Do(ctx).
		StatusCode(&code).
		Raw()
	if err != nil {
		return Applied{}, c.classify(withStatus(raw, err))
	}
	var out unstructured.Unstructured
	if err := out.UnmarshalJSON(raw); err != nil {
		return Applied{}, fmt.Errorf("decode the applied %s/%s: %w", gvk.Kind, obj.GetName(), err)
	}
	ref := Ref{APIVersion: out.GetAPIVersion(), Kind: out.GetKind(), Namespace: ns, Name: out.GetName(), UID: string(out.GetUID())}
	return Applied{Ref: ref, Created: code == 201, ResourceVersion: out.GetResourceVersion()}, nil
}

// resourcePath is the REST path of a resource: /api/v1/… for the core
// group, /apis/GROUP/VERSION/… for the others.
func resourcePath(gvr schema.GroupVersionResource, namespace, name string) string {
	parts := []string{"/apis", gvr.Group, gvr.Version}
	if gvr.Group == "" {
		parts = []string{"/api", gvr.Version}
	}
	if namespace != "" {
		parts = append(parts, "namespaces", namespace)
	}
	return path.Join(append(parts, gvr.Resource, name)...)
}

// Get reads the object ref names; a missing object is (nil, nil).
func (c *Client) Get(ctx context.Context, ref Ref) (*unstructured.Unstructured, error) {
	gvr, err := c.resource(ctx, ref)
	if err != nil {
		return nil, err
	}
	obj, err := c.dynamic.Resource(gvr).Namespace(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return obj, c.classify(err)
}

func (c *Client) resource(ctx context.Context, ref Ref) (schema.GroupVersionResource, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return schema.GroupVersionResource{}, fmt.Errorf("%s: apiVersion: %w", ref, err)
	}
	m, err := c.mapping(ctx, gv.WithKind(ref.Kind))
	if err != nil {
		return schema.GroupVersionResource{}, err
	}
	return m.Resource, nil
}

// ErrReplaced reports that the object of that name is no longer the one
// that was recorded (its UID differs): it is someone else's, left alone.
var ErrReplaced = errors.New("the object was replaced since it was deployed; left alone")

// Delete removes the object if it is still the one ref.UID names; a
// missing object is no error. With wait, it returns once the object is
// gone (finalizers done) or ctx ends.
func (c *Client) Delete(ctx context.Context, ref Ref, wait bool) error {
	gvr, err := c.resource(ctx, ref)
	if err != nil {
		return err
	}
	opts := metav1.DeleteOptions{PropagationPolicy: ptr(metav1.DeletePropagationBackground)}
	if ref.UID != "" {
		opts.Preconditions = &metav1.Preconditions{UID: ptr(types.UID(ref.UID))}
	}
	r := c.dynamic.Resource(gvr).Namespace(ref.Namespace)
	err = r.Delete(ctx, ref.Name, opts)
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case apierrors.IsConflict(err):
		return ErrReplaced
	case err != nil:
		return c.classify(err)
	}
	if !wait {
		return nil
	}
	for {
		obj, err := r.Get(ctx, ref.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) || (err == nil && string(obj.GetUID()) != ref.UID) {
			return nil
		}
		if err != nil {
			return c.classify(err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s to be deleted: %w", ref, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func ptr[T any](v T) *T { return &v }

// isTransportError reports whether err means the server was not reached
// (refused, unresolvable, timed out, TLS), as opposed to an API answer.
func isTransportError(err error) bool {
	if _, ok := err.(apierrors.APIStatus); ok {
		return false
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}

// MergePatch applies a JSON merge patch to the object ref names. Put
// metadata.resourceVersion in the patch to make it fail with a conflict
// when the object changed since it was read.
func (c *Client) MergePatch(ctx context.Context, ref Ref, patch []byte) (*unstructured.Unstructured, error) {
	gvr, err := c.resource(ctx, ref)
	if err != nil {
		return nil, err
	}
	obj, err := c.dynamic.Resource(gvr).Namespace(ref.Namespace).Patch(ctx, ref.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: FieldManager})
	return obj, c.classify(err)
}

// withStatus recovers the API's own message: the raw REST client decodes
// error bodies with the unstructured serializer, which cannot read a
// Status, and so reports only a generic "the server rejected our
// request". The body still holds the Status.
func withStatus(body []byte, err error) error {
	var status metav1.Status
	if len(body) == 0 || json.Unmarshal(body, &status) != nil || status.Kind != "Status" || status.Message == "" {
		return err
	}
	return &apierrors.StatusError{ErrStatus: status}
}
