package dev

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/kube"
)

// LogRequest is what `devspace logs` prints.
type LogRequest struct {
	// Lines starts with the last this many lines (<= 0: all).
	Lines int
	// Follow goes on until ctx ends, with the new pod the selector
	// selects when the pod is replaced.
	Follow bool
	// Previous is the log of the container's previous run (one that
	// crashed); not with Follow.
	Previous bool
	// AllContainers prints the log of each of the pod's containers, each
	// line after its container's name.
	AllContainers bool
}

// PodLogs prints the log of pod's container (or of all its containers)
// to w, as r says.
func PodLogs(ctx context.Context, c *kube.Client, pod kube.Pod, sel kube.Selector, r LogRequest, w io.Writer) error {
	if r.Previous && r.Follow {
		return errors.New("--previous is the log of a run that ended: it cannot be followed (leave out -f)")
	}
	if !r.AllContainers {
		return containerLogs(ctx, c, pod, sel, r, w)
	}
	names, err := podContainers(ctx, c, pod)
	if err != nil {
		return err
	}
	lw := &lockedWriter{w: w}
	if !r.Follow { // one after another: the lines of each container together
		for _, name := range names {
			p := pod
			p.Container = name
			out := &linePrefixer{w: lw, prefix: name + ": "}
			if err := containerLogs(ctx, c, p, sel, r, out); err != nil {
				return err
			}
			if err := out.flush(); err != nil {
				return err
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	for i, name := range names {
		p, s := pod, sel
		p.Container, s.Container = name, name
		wg.Go(func() { errs[i] = containerLogs(ctx, c, p, s, r, &linePrefixer{w: lw, prefix: name + ": "}) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// containerLogs prints the log of pod's container.
func containerLogs(ctx context.Context, c *kube.Client, pod kube.Pod, sel kube.Selector, r LogRequest, w io.Writer) error {
	if r.Follow {
		first := true
		next := func(ctx context.Context) (kube.Pod, error) {
			if first {
				first = false
				return pod, nil
			}
			return kube.WaitPod(ctx, c, sel)
		}
		return StreamLogs(ctx, c, next, max(r.Lines, 0), w)
	}
	opts := kube.LogOptions{Previous: r.Previous}
	if r.Lines > 0 {
		n := int64(r.Lines)
		opts.TailLines = &n
	}
	rc, err := kube.Logs(ctx, c, pod, opts)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("logs of %s: %w", pod, err)
	}
	return nil
}

// podContainers are the names of pod's containers, in the pod's order.
func podContainers(ctx context.Context, c *kube.Client, pod kube.Pod) ([]string, error) {
	obj, err := c.Get(ctx, kube.Ref{APIVersion: "v1", Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name})
	switch {
	case err != nil:
		return nil, fmt.Errorf("containers of pod %s: %w", pod.Name, err)
	case obj == nil:
		return nil, fmt.Errorf("containers of pod %s: the pod is gone", pod.Name)
	}
	list, _, _ := unstructured.NestedSlice(obj.Object, "spec", "containers")
	var names []string
	for _, ct := range list {
		if m, ok := ct.(map[string]any); ok {
			if name, _ := m["name"].(string); name != "" {
				names = append(names, name)
			}
		}
	}
	return names, nil
}

// lockedWriter serialises the writes of several containers' logs.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// linePrefixer writes each whole line after prefix, in one write (the
// lines of containers printed together do not mix); flush writes a last
// line that has no newline.
type linePrefixer struct {
	w       io.Writer
	prefix  string
	partial []byte
}

func (p *linePrefixer) Write(b []byte) (int, error) {
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := append([]byte(p.prefix), p.partial[:i+1]...)
		p.partial = p.partial[i+1:]
		if _, err := p.w.Write(line); err != nil {
			return 0, err
		}
	}
}

func (p *linePrefixer) flush() error {
	if len(p.partial) == 0 {
		return nil
	}
	_, err := p.Write([]byte("\n"))
	return err
}
