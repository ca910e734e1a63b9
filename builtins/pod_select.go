package builtins

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"mvdan.cc/sh/v3/interp"

	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/kube"
)

// select_pod, wait_pod and exec_container share their flags (DevSpace
// §2.12): a selector, a container, a namespace and a timeout.
func selectPod(svc *Services) *engine.Builtin {
	return &engine.Builtin{Name: "select_pod", Usage: "select_pod [--image-selector IMAGE | --label-selector K=V,...] [flags]",
		Summary: "Print the name of the newest running pod that matches.",
		New:     func() engine.Command { return &podCmd{svc: svc, mode: "select_pod"} }}
}

func waitPod(svc *Services) *engine.Builtin {
	return &engine.Builtin{Name: "wait_pod", Usage: "wait_pod [--image-selector IMAGE | --label-selector K=V,...] [flags]",
		Summary: "Wait until a running pod matches.",
		New:     func() engine.Command { return &podCmd{svc: svc, mode: "wait_pod"} }}
}

func execContainer(svc *Services) *engine.Builtin {
	return &engine.Builtin{Name: "exec_container", Usage: "exec_container [--image-selector IMAGE | --label-selector K=V,...] [flags] -- COMMAND [ARG...]",
		Summary: "Run a command in the selected container with the script's stdin, stdout and stderr; its exit code is the builtin's.",
		New:     func() engine.Command { return &podCmd{svc: svc, mode: "exec_container"} }}
}

type podCmd struct {
	svc                      *Services
	mode                     string
	image, labels, container string
	namespace                string
	timeout                  int64
}

func (p *podCmd) Flags(fs *pflag.FlagSet, _ *engine.Call) {
	fs.StringVar(&p.image, "image-selector", "", "select containers whose image matches (runtime variables allowed)")
	fs.StringVar(&p.labels, "label-selector", "", "select pods by labels: key=value,key2=value2")
	fs.StringVar(&p.container, "container", "", "the container")
	fs.StringVarP(&p.namespace, "namespace", "n", "", "the namespace (default: the kube client's)")
	fs.Int64Var(&p.timeout, "timeout", 0, "seconds to wait for a running pod (0: 10 minutes)")
	fs.Bool("disable-wait", false, "accepted for DevSpace compatibility")
}

func (p *podCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	if p.image == "" && p.labels == "" || (p.mode != "exec_container" && len(args) > 0) || (p.mode == "exec_container" && len(args) == 0) {
		if p.mode == "exec_container" {
			return errors.New("usage: exec_container [--image-selector|--label-selector] COMMAND")
		}
		return fmt.Errorf("usage: %s [--image-selector|--label-selector]", p.mode)
	}
	sel, err := p.selector(c)
	if err != nil {
		return err
	}
	client, err := p.svc.Kube(c)
	if err != nil {
		return err
	}
	timeout := time.Duration(p.timeout) * time.Second
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	pod, err := kube.WaitPod(wctx, client, sel)
	cancel()
	if err != nil {
		return err
	}
	switch p.mode {
	case "select_pod":
		_, err = fmt.Fprint(c.Stdout, pod.Name)
		return err
	case "wait_pod":
		return nil
	}
	err = kube.Exec(ctx, client, pod, args, kube.ExecOptions{Stdin: c.Stdin, Stdout: c.Stdout, Stderr: c.Stderr})
	var exit *kube.ExitError
	if errors.As(err, &exit) {
		return interp.ExitStatus(uint8(exit.Code))
	}
	return err
}

func (p *podCmd) selector(c *engine.Call) (kube.Selector, error) {
	sel := kube.Selector{Namespace: p.namespace, Container: p.container}
	if p.image != "" {
		img, err := runtimeExpand(c, p.image)
		if err != nil {
			return sel, fmt.Errorf("--image-selector: %w", err)
		}
		sel.ImageSelector = img
	}
	if p.labels != "" {
		sel.LabelSelector = map[string]string{}
		for _, kv := range strings.Split(p.labels, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if !ok || k == "" || strings.ContainsAny(k, "!()") {
				return sel, fmt.Errorf("--label-selector %q: write key=value pairs separated by commas", p.labels)
			}
			sel.LabelSelector[strings.TrimSpace(k)] = strings.TrimSpace(strings.TrimPrefix(v, "="))
		}
	}
	return sel, nil
}
