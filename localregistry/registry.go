package localregistry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/distribution/reference"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/devspace-engine/devspace/kube"
)

// readyTimeout bounds the wait for the registry's pod; a pod whose image
// cannot be pulled says so in the error.
const readyTimeout = 3 * time.Minute

// Registry is a running local registry and, when its node port is not
// reachable from this machine, the port-forward that stands in for it.
type Registry struct {
	Settings
	// NodePort is the Service's node port; Host is localhost:NodePort, the
	// registry of the rewritten images.
	NodePort int
	Host     string
	// Created is true when this call made the registry's workload.
	Created bool
	// Forwarded is true when pushes go through a port-forward.
	Forwarded bool

	client *kube.Client
	stop   context.CancelFunc
	wg     sync.WaitGroup
	lns    []net.Listener

	mu sync.Mutex
	pf *kube.PortForward
}

// Ensure makes the registry exist (created on first use, reused after),
// waits for it to be ready, and makes it reachable at Host from this
// machine. Close stops the port-forward.
func Ensure(ctx context.Context, c *kube.Client, s Settings, log io.Writer) (*Registry, error) {
	r := &Registry{Settings: s, client: c}
	if err := c.EnsureNamespace(ctx, s.Namespace); err != nil {
		return nil, fmt.Errorf("local registry: %w", err)
	}
	if err := r.applyObjects(ctx); err != nil {
		return nil, fmt.Errorf("local registry %s/%s: %w", s.Namespace, s.Name, err)
	}
	wctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if _, err := kube.WaitPod(wctx, c, r.selector()); err != nil {
		return nil, fmt.Errorf("local registry %s/%s (image %s, localRegistry.image): %w", s.Namespace, s.Name, s.Image, err)
	}
	if err := r.reach(ctx); err != nil {
		r.Close()
		return nil, fmt.Errorf("local registry %s/%s: %w", s.Namespace, s.Name, err)
	}
	verb, how := "Using", "node port "+strconv.Itoa(r.NodePort)
	if r.Created {
		verb = "Created"
	}
	if r.Forwarded {
		how += ", pushed through a port-forward on this machine's loopback"
	}
	fmt.Fprintf(log, "%s local registry %s/%s at %s (%s)\n", verb, s.Namespace, s.Name, r.Host, how)
	return r, nil
}

func (r *Registry) selector() kube.Selector {
	return kube.Selector{Namespace: r.Namespace, LabelSelector: r.labels(), Container: "registry"}
}

// applyObjects applies the workload (removing the other kind, when
// persistence was switched) and the Service, and reads the node port the
// cluster gave it.
func (r *Registry) applyObjects(ctx context.Context) error {
	var workload, other runtime.Object = r.deployment(), r.statefulSet()
	if r.Persistent {
		workload, other = other, workload
	}
	if err := r.client.Delete(ctx, r.ref(other), true); err != nil {
		return err
	}
	applied, err := r.apply(ctx, workload)
	if err != nil {
		return err
	}
	r.Created = applied.Created
	if _, err := r.apply(ctx, r.service()); err != nil {
		return err
	}
	svc, err := r.client.Get(ctx, kube.Ref{APIVersion: "v1", Kind: "Service", Namespace: r.Namespace, Name: r.Name})
	if err != nil || svc == nil {
		return fmt.Errorf("read the Service: %v", cmpErr(err, "it is gone"))
	}
	ports, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
	for _, p := range ports {
		if m, ok := p.(map[string]any); ok && m["name"] == portName {
			n, _, _ := unstructured.NestedInt64(m, "nodePort")
			r.NodePort = int(n)
		}
	}
	if r.NodePort == 0 {
		return errors.New("the Service has no node port (does the cluster allow NodePort Services?)")
	}
	r.Host = "localhost:" + strconv.Itoa(r.NodePort)
	return nil
}

func (r *Registry) apply(ctx context.Context, obj runtime.Object) (kube.Applied, error) {
	u, err := toUnstructured(obj)
	if err != nil {
		return kube.Applied{}, err
	}
	return r.client.Apply(ctx, u, r.Namespace)
}

func (r *Registry) ref(obj runtime.Object) kube.Ref {
	gvk := obj.GetObjectKind().GroupVersionKind()
	return kube.Ref{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Namespace: r.Namespace, Name: r.Name}
}

func cmpErr(err error, msg string) string {
	if err != nil {
		return err.Error()
	}
	return msg
}

// Rewrite puts image in the local registry: the registry host is
// replaced by Host, the path kept (app → localhost:PORT/library/app, as
// in DevSpace).
func (r *Registry) Rewrite(image string) (string, error) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return "", fmt.Errorf("image %q: %w", image, err)
	}
	return r.Host + "/" + reference.Path(named), nil
}

// Close stops the port-forward, if any, and waits for its connections.
func (r *Registry) Close() {
	if r.stop != nil {
		r.stop()
	}
	for _, ln := range r.lns {
		ln.Close()
	}
	r.wg.Wait()
	r.mu.Lock()
	if r.pf != nil {
		r.pf.Close()
		r.pf = nil
	}
	r.mu.Unlock()
}
