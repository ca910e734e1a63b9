package dev

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"golang.org/x/term"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/kube"
)

// EnterOptions are the streams and command of `devspace enter`.
type EnterOptions struct {
	// Command is run as given; empty means bash when the container has
	// it, else sh.
	Command []string
	WorkDir string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
}

// Enter runs the command in pod and returns when it exits: a non-zero
// exit is a *kube.ExitError with its code. When Stdin is a terminal the
// command gets a TTY, the terminal is raw for the session and the
// remote size follows the window; otherwise the streams are plain (stdin
// is closed in the container when it ends here).
func Enter(ctx context.Context, c *kube.Client, pod kube.Pod, o EnterOptions) error {
	opts := kube.ExecOptions{Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr}
	if f, ok := o.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		restore, sizes, err := rawTerminal(ctx, f)
		if err != nil {
			return err
		}
		defer restore()
		opts.TTY, opts.Resize = true, sizes
	}
	return kube.Exec(ctx, c, pod, enterCommand(o.Command, o.WorkDir), opts)
}

// enterCommand is the argv run in the container: the working directory
// is entered by a shell that then execs the command, so that the command
// keeps its own argv (no quoting through a script).
func enterCommand(cmd []string, workDir string) []string {
	if len(cmd) == 0 {
		cmd = []string{"sh", "-c", "command -v bash >/dev/null 2>&1 && exec bash || exec sh"}
	}
	if workDir == "" {
		return cmd
	}
	return append([]string{"sh", "-c", `cd "$0" && exec "$@"`, workDir}, cmd...)
}

// DevSelectors are the pod selectors of the config's dev configs, by
// name, for commands (enter, logs, sync) given no selector of their own;
// only those keep reports true for when keep is not nil.
func DevSelectors(cfg *config.Config, keep func(*config.DevPod) bool) map[string]kube.Selector {
	out := map[string]kube.Selector{}
	for name, d := range cfg.Dev {
		if d == nil || (len(d.LabelSelector) == 0 && d.ImageSelector == "") || (keep != nil && !keep(d)) {
			continue
		}
		out[name] = kube.Selector{Namespace: d.Namespace, LabelSelector: d.LabelSelector, ImageSelector: d.ImageSelector, Container: d.Container}
	}
	return out
}

// OneSelector picks the only selector of sels; with several, pick (when
// not nil, e.g. a terminal question) chooses by name, else the error lists
// them. what names them in messages ("dev configs", "running dev
// sessions").
func OneSelector(sels map[string]kube.Selector, what string, pick func(names []string) (string, error)) (string, kube.Selector, error) {
	names := slices.Sorted(maps.Keys(sels))
	switch {
	case len(names) == 1:
		return names[0], sels[names[0]], nil
	case len(names) == 0:
		return "", kube.Selector{}, fmt.Errorf("no pod to select: give --pod, --label-selector or --image-selector, or a dev config with labelSelector or imageSelector in devspace.yaml")
	case pick == nil:
		return "", kube.Selector{}, fmt.Errorf("several %s select pods (%s): choose one with --pick in a terminal, or give --pod, --label-selector or --image-selector", what, strings.Join(names, ", "))
	}
	name, err := pick(names)
	if err != nil {
		return "", kube.Selector{}, err
	}
	return name, sels[name], nil
}

// RunningPods are the names of the running pods of namespace ns, for a
// command given no selector and no dev config to pick among.
func RunningPods(ctx context.Context, c *kube.Client, ns string) ([]string, error) {
	list, err := c.Dynamic().Resource(kube.PodsResource).Namespace(ns).List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Running"})
	if err != nil {
		return nil, fmt.Errorf("list the pods of namespace %q: %w", ns, err)
	}
	var names []string
	for _, p := range list.Items {
		if p.GetDeletionTimestamp() == nil {
			names = append(names, p.GetName())
		}
	}
	slices.Sort(names)
	return names, nil
}
