// Package hookcontainer runs the container actions of devspace.yaml's
// hooks: a command in a selected container, copying files to and from it,
// printing its log and waiting for containers to run or end. The hook
// engine decides when a hook runs and what its command is; this package
// only knows Kubernetes.
package hookcontainer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/runvars"
)

// DefaultTimeout is how long a hook waits for its container (and a wait
// hook for its condition) when the hook sets no timeout, as in DevSpace.
const DefaultTimeout = 150 * time.Second

// Options connect a Runner to the cluster and the project.
type Options struct {
	// Kube returns the cluster connection; it is called on a hook's first
	// use, so a config whose hooks never reach a container opens none.
	Kube func() (*kube.Client, error)
	// Namespace is where hooks without container.namespace look; "" means
	// the client's namespace.
	Namespace string
	// Dir is the directory of the config that declares the hooks; relative
	// upload and download localPaths resolve against it.
	Dir string
	// Runtime is the run's runtime variables: imageSelector may use them
	// (${runtime.images.app.tag}) or name an image of the config, which
	// stands for its image and tag; nil knows neither.
	Runtime *runvars.Store
	// Log gets what the runner does (the container a hook runs in, a hook
	// skipped); nil discards it.
	Log io.Writer
}

// Runner runs hooks' container actions. It is safe for concurrent use
// when Options' functions are.
type Runner struct{ o Options }

// New returns a runner.
func New(o Options) *Runner {
	if o.Log == nil {
		o.Log = io.Discard
	}
	return &Runner{o: o}
}

// Name is how errors and messages name a hook: its name, else its events.
func Name(h *config.Hook) string {
	switch {
	case h.Name != "":
		return fmt.Sprintf("hook %q", h.Name)
	case len(h.Events) > 0:
		return "hook on " + strings.Join(h.Events, ", ")
	}
	return "hook"
}

// localPath resolves a hook's localPath ("" is the config's directory).
func (r *Runner) localPath(p string) string {
	p = cmp.Or(p, ".")
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(r.o.Dir, p)
}

// client opens the cluster connection for h.
func (r *Runner) client(h *config.Hook) (*kube.Client, error) {
	if h.Container == nil {
		return nil, fmt.Errorf("%s: set container (labelSelector, imageSelector or pod) to say where it runs", Name(h))
	}
	if r.o.Kube == nil {
		return nil, fmt.Errorf("%s: no cluster connection", Name(h))
	}
	c, err := r.o.Kube()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name(h), err)
	}
	return c, nil
}

// selector turns h.container into a pod selector.
func (r *Runner) selector(h *config.Hook) (kube.Selector, error) {
	hc := h.Container
	sel := kube.Selector{
		Namespace:     cmp.Or(hc.Namespace, r.o.Namespace),
		Pod:           hc.Pod,
		LabelSelector: hc.LabelSelector,
		Container:     hc.ContainerName,
	}
	if hc.ImageSelector != "" {
		img, err := r.imageSelector(hc.ImageSelector)
		if err != nil {
			return sel, fmt.Errorf("%s: container.imageSelector %q: %w", Name(h), hc.ImageSelector, err)
		}
		sel.ImageSelector = img
	}
	if sel.Pod == "" && len(sel.LabelSelector) == 0 && sel.ImageSelector == "" {
		return sel, fmt.Errorf("%s: container: set labelSelector, imageSelector or pod", Name(h))
	}
	return sel, nil
}

// Settle is how long a hook that waits for its container lets pass
// before it looks: a hook on after:deploy:NAME runs as soon as the API
// took the manifests, before the workload's controller made its new pods,
// when the newest pod is still an old one. DevSpace waits as long.
const Settle = 2 * time.Second

func settle(ctx context.Context) error { return kube.Pause(ctx, Settle) }

// ready accepts a container that runs and is ready: one a command can
// run in.
func ready(c kube.Candidate) bool {
	cs := kube.ContainerStatus(c.Status, c.Container)
	return c.Status.Status.Phase == corev1.PodRunning && cs != nil && cs.Ready && cs.State.Running != nil
}

// target selects the container h works in: the one of the newest
// matching pod, once accept takes it (an older pod that is ready does not
// do: after a deploy the hook is for the new one). With container.wait
// (the default) it waits for it up to container.timeout, which starts
// after Settle; without, it looks once and ok is false when the newest
// is not there (the hook is skipped, as in DevSpace).
func (r *Runner) target(ctx context.Context, h *config.Hook, accept func(kube.Candidate) bool, want string) (_ *kube.Client, _ kube.Pod, ok bool, _ error) {
	c, sel, err := r.connect(h)
	if err != nil {
		return nil, kube.Pod{}, false, err
	}
	wait := h.Container.Wait == nil || *h.Container.Wait
	timeout := DefaultTimeout
	if h.Container.Timeout > 0 {
		timeout = time.Duration(h.Container.Timeout) * time.Second
	}
	if wait {
		if err := settle(ctx); err != nil {
			return nil, kube.Pod{}, false, err
		}
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	p := &picker{accept: accept, wait: wait, notice: func(err error) { fmt.Fprintf(r.o.Log, "%s: %v; still waiting\n", Name(h), err) }}
	err = kube.WatchPods(wctx, c, sel, p.check)
	switch {
	case err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return nil, kube.Pod{}, false, fmt.Errorf("%s: no %s container within %s (container.timeout): %w", Name(h), want, timeout, err)
	case err != nil:
		return nil, kube.Pod{}, false, fmt.Errorf("%s: select a %s container: %w", Name(h), want, err)
	case !p.found:
		fmt.Fprintf(r.o.Log, "%s skipped: no %s container (%s) and container.wait is false\n", Name(h), want, sel)
	}
	return c, p.pod, p.found, nil
}

// connect opens the cluster connection and makes the selector of h.
func (r *Runner) connect(h *config.Hook) (*kube.Client, kube.Selector, error) {
	c, err := r.client(h)
	if err != nil {
		return nil, kube.Selector{}, err
	}
	sel, err := r.selector(h)
	return c, sel, err
}

// picker takes the newest candidate once accept does.
type picker struct {
	accept func(kube.Candidate) bool
	wait   bool
	notice func(error) // a container that cannot start, said once

	found  bool
	pod    kube.Pod
	warned bool
}

func (p *picker) check(cands []kube.Candidate) (bool, error) {
	if len(cands) == 0 {
		return !p.wait, nil
	}
	if p.accept(cands[0]) {
		p.pod, p.found = cands[0].Pod, true
		return true, nil
	}
	if err := kube.StartFailure(cands[0].Status, cands[0].Container); err != nil && p.wait && !p.warned {
		p.warned = true // the kubelet keeps retrying: say it once
		p.notice(err)
	}
	return !p.wait, nil
}
