package dev

import (
	"context"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/kube"
)

// AttachOptions are the streams of `devspace attach`.
type AttachOptions struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Attach connects the streams to the main process of pod's container,
// as `kubectl attach -it` does. Input is sent only when the container
// keeps stdin open, and a terminal is used only when it allocated one
// (a raw local terminal against a container without a TTY would echo
// nothing and garble the output). It returns when the process ends,
// the stream closes or ctx ends.
func Attach(ctx context.Context, c *kube.Client, pod kube.Pod, o AttachOptions) error {
	stdin, tty, err := containerStreams(ctx, c, pod)
	if err != nil {
		return err
	}
	opts := kube.ExecOptions{Stdout: o.Stdout, Stderr: o.Stderr}
	if stdin {
		// The end of piped input must not end the session before the
		// process has answered: it lasts until the process exits.
		held, cancel := context.WithCancel(ctx)
		defer cancel()
		opts.Stdin = holdOpen{r: o.Stdin, ctx: held}
	}
	if f, ok := o.Stdin.(*os.File); ok && stdin && tty && term.IsTerminal(int(f.Fd())) {
		restore, sizes, err := rawTerminal(ctx, f)
		if err != nil {
			return err
		}
		defer restore()
		opts.TTY, opts.Resize = true, sizes
	}
	return kube.Attach(ctx, c, pod, opts)
}

// containerStreams reads whether pod's container keeps stdin open and
// has a TTY.
func containerStreams(ctx context.Context, c *kube.Client, pod kube.Pod) (stdin, tty bool, err error) {
	obj, err := c.Get(ctx, kube.Ref{APIVersion: "v1", Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name})
	if err != nil {
		return false, false, fmt.Errorf("attach to %s: %w", pod, err)
	}
	containers, _, _ := unstructured.NestedSlice(obj.Object, "spec", "containers")
	for _, ct := range containers {
		m, _ := ct.(map[string]any)
		if name, _ := m["name"].(string); name != pod.Container && pod.Container != "" {
			continue
		}
		stdin, _ = m["stdin"].(bool)
		tty, _ = m["tty"].(bool)
		return stdin, tty, nil
	}
	return false, false, fmt.Errorf("attach to %s: the pod has no such container", pod)
}
