package commands

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/dev"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/prompt"
)

// podFlags choose the pod and container of enter (and logs), as
// DevSpace's do; -c is the container there, so --config has no short
// form on these commands.
var podFlags = []flagSpec{
	{name: "container", short: "c", kind: kindString, usage: "the container (default: the selector's, else the pod's first)"},
	{name: "pod", kind: kindString, usage: "the pod of this name"},
	{name: "label-selector", short: "l", kind: kindString, usage: "pods with these labels (KEY=VALUE,...)"},
	{name: "image-selector", kind: kindString, usage: "the container running this image"},
	{name: "pick", kind: kindBool, def: "true", usage: "in a terminal, ask which dev config's pod when several match"},
}

// globalFlagsNoC are the global flags with --config in its long form
// only: -c is the container on the commands that choose a pod.
func globalFlagsNoC() []flagSpec {
	out := []flagSpec{}
	for _, f := range globalFlags {
		if f.name == "config" {
			f.short = ""
		}
		out = append(out, f)
	}
	return out
}

// enterOwnFlags are enter's own: the pod flags and --workdir.
var enterOwnFlags = append(slices.Clip(podFlags), flagSpec{name: "workdir", kind: kindString, usage: "the working directory of the command in the container"})

// podWait bounds the wait for a selected pod to be running and ready.
const podWait = 2 * time.Minute

func enterCommand(stdio IO) *cli.Command {
	global := globalFlagsNoC()
	return &cli.Command{
		Name:      "enter",
		Usage:     "Open a shell (or run a command) in a dev container, with a terminal when stdin is one",
		ArgsUsage: "[-- COMMAND [ARGS...]]",
		Flags:     urfaveFlags(append(slices.Clip(global), enterOwnFlags...)),
		Action: func(c *cli.Context) error {
			flags := newFlagValues()
			flags.fromCommand(c, global)
			flags.fromURFave(c, enterOwnFlags) // declared by this command alone
			cl, _, pod, err := selectPod(c.Context, flags, stdio)
			if err != nil {
				return err
			}
			err = dev.Enter(c.Context, cl, pod, dev.EnterOptions{
				Command: c.Args().Slice(), WorkDir: flags.str("workdir"),
				Stdin: stdio.Stdin, Stdout: stdio.Stdout, Stderr: stdio.Stderr,
			})
			var exit *kube.ExitError
			if errors.As(err, &exit) { // the command's own status, said by it
				return &exitError{code: exit.Code}
			}
			return err
		},
	}
}

// selectPod opens the cluster and waits for the pod the flags choose:
// --pod, --label-selector or --image-selector, else the config's dev
// selectors (asked in a terminal when several), else an error.
func selectPod(ctx context.Context, flags *flagValues, stdio IO) (*kube.Client, kube.Selector, kube.Pod, error) {
	cl, err := openKube(flags)
	if err != nil {
		return nil, kube.Selector{}, kube.Pod{}, err
	}
	sel, err := flagSelector(flags)
	if err == nil && sel.Pod == "" && sel.LabelSelector == nil && sel.ImageSelector == "" {
		sel, err = configSelector(ctx, cl, flags, stdio)
		if c := flags.str("container"); c != "" {
			sel.Container = c
		}
	}
	if err != nil {
		return nil, kube.Selector{}, kube.Pod{}, err
	}
	if sel.Namespace == "" || flags.set["namespace"] {
		sel.Namespace = cl.Namespace
	}
	waitCtx, cancel := context.WithTimeout(ctx, podWait)
	defer cancel()
	pod, err := kube.WaitPod(waitCtx, cl, sel)
	return cl, sel, pod, err
}

// openKube opens the cluster of --kubeconfig (else $KUBECONFIG),
// --kube-context and --namespace.
func openKube(flags *flagValues) (*kube.Client, error) {
	getenv := os.Getenv
	if kc := flags.str("kubeconfig"); kc != "" {
		getenv = func(k string) string {
			if k == "KUBECONFIG" {
				return kc
			}
			return os.Getenv(k)
		}
	}
	return kube.Open(kube.Options{Getenv: getenv, Context: flags.str("kube-context"), Namespace: flags.str("namespace")})
}

// flagSelector is the selector of --pod, --label-selector,
// --image-selector and --container.
func flagSelector(flags *flagValues) (kube.Selector, error) {
	sel := kube.Selector{Pod: flags.str("pod"), ImageSelector: flags.str("image-selector"), Container: flags.str("container")}
	if ls := flags.str("label-selector"); ls != "" {
		sel.LabelSelector = map[string]string{}
		for _, kv := range strings.Split(ls, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if !ok || k == "" {
				return sel, fmt.Errorf("--label-selector %q: want KEY=VALUE[,KEY=VALUE...], got %q", ls, kv)
			}
			sel.LabelSelector[k] = v
		}
	}
	return sel, nil
}

// configSelector is the selector of the config's dev configs; without a
// config, or dev configs with selectors, one of the namespace's running
// pods.
func configSelector(ctx context.Context, cl *kube.Client, flags *flagValues, stdio IO) (kube.Selector, error) {
	var pick func(string, []string) (string, error)
	if in, ok := stdio.Stdin.(*os.File); ok && flags.boolean("pick") && term.IsTerminal(int(in.Fd())) {
		pick = func(what string, names []string) (string, error) {
			return prompt.Ask(ctx, in, stdio.Stderr, prompt.Question{Text: "Which " + what + "?", Options: names})
		}
	}
	sels := map[string]kube.Selector{}
	environ := os.Environ()
	if _, err := config.Find(config.LoadOptions{File: flags.str("config"), Environ: environ}); err == nil || flags.str("config") != "" {
		s, err := openSession(ctx, flags, stdio)
		if err != nil {
			return kube.Selector{}, err
		}
		defer s.Close()
		sels = dev.DevSelectors(s.cfg)
	}
	if len(sels) > 0 {
		return dev.OneSelector(sels, pickIn(pick, "dev config's pod"))
	}
	pods, err := dev.RunningPods(ctx, cl, cl.Namespace)
	if err != nil {
		return kube.Selector{}, err
	}
	switch {
	case len(pods) == 0:
		return kube.Selector{}, fmt.Errorf("no running pod in namespace %q, and no dev config in devspace.yaml selects one: give -n, --pod, --label-selector or --image-selector", cl.Namespace)
	case len(pods) == 1:
		return kube.Selector{Pod: pods[0]}, nil
	case pick == nil:
		return kube.Selector{}, fmt.Errorf("several pods in namespace %q (%s): choose one with --pod, --label-selector or --image-selector, or run in a terminal to pick", cl.Namespace, strings.Join(pods, ", "))
	}
	name, err := pick("pod", pods)
	return kube.Selector{Pod: name}, err
}

// pickIn fixes what pick asks for; nil stays nil.
func pickIn(pick func(string, []string) (string, error), what string) func([]string) (string, error) {
	if pick == nil {
		return nil
	}
	return func(names []string) (string, error) { return pick(what, names) }
}
