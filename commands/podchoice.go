package commands

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/term"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/dev"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/prompt"
	"github.com/urfave/cli/v2"
)

// withPodFlags makes cmd a command that works on a pod (podCommand's, and
// logs and sync, which need more than the pod): the global flags with
// --config in its long form only, and its own (the pod flags among
// them), read before run.
func withPodFlags(cmd *cli.Command, own []flagSpec, run func(c *cli.Context, flags *flagValues) error) *cli.Command {
	global := globalFlagsNoC()
	cmd.Flags = urfaveFlags(append(slices.Clip(global), own...))
	cmd.Action = func(c *cli.Context) error {
		flags := newFlagValues()
		flags.fromCommand(c, global)
		flags.fromURFave(c, own) // declared by this command alone
		return run(c, flags)
	}
	return cmd
}

// devChoice is where a command's pod comes from: the selector, and the
// dev config it belongs to when it comes from one (sync takes that dev
// config's sync entries).
type devChoice struct {
	sel     kube.Selector
	devName string
	devPod  *config.DevPod // nil without a dev config
	dir     string         // the config's directory; "" without a config
}

// selectPod opens the cluster and waits for the pod the flags choose:
// --pod, --label-selector or --image-selector, else the running dev
// session's, else the config's dev selectors (asked in a terminal when
// several), else the namespace's only running pod; else an error naming
// the candidates. need, when not nil, keeps only the dev configs it
// accepts (sync: those with sync entries).
func selectPod(ctx context.Context, flags *flagValues, stdio IO, need func(*config.DevPod) bool) (*kube.Client, devChoice, kube.Pod, error) {
	cl, err := openKube(flags)
	if err != nil {
		return nil, devChoice{}, kube.Pod{}, err
	}
	choice := devChoice{}
	choice.sel, err = flagSelector(flags)
	if err == nil && choice.sel.Pod == "" && choice.sel.LabelSelector == nil && choice.sel.ImageSelector == "" {
		choice, err = configSelector(ctx, cl, flags, stdio, need)
		if c := flags.str("container"); c != "" {
			choice.sel.Container = c
		}
	}
	if err != nil {
		return nil, devChoice{}, kube.Pod{}, err
	}
	if choice.sel.Namespace == "" || flags.set["namespace"] {
		choice.sel.Namespace = cl.Namespace
	}
	waitCtx, cancel := context.WithTimeout(ctx, podWait)
	defer cancel()
	pod, err := kube.WaitPod(waitCtx, cl, choice.sel)
	return cl, choice, pod, err
}

// openKube opens the cluster of --kubeconfig (else $KUBECONFIG),
// --kube-context and --namespace.
func openKube(flags *flagValues) (*kube.Client, error) {
	return kube.Open(kube.Options{Getenv: kubeGetenv(flags), Context: flags.str("kube-context"), Namespace: flags.str("namespace")})
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

// configSelector is the pod of the project's running dev session (the
// one `devspace dev` recorded), else the selector of the config's dev
// configs; without a config, or dev configs with selectors, one of the
// namespace's running pods (not when need is set: sync needs a dev
// config's entries).
func configSelector(ctx context.Context, cl *kube.Client, flags *flagValues, stdio IO, need func(*config.DevPod) bool) (devChoice, error) {
	pick := terminalPick(ctx, flags, stdio)
	if _, err := config.Find(config.LoadOptions{File: flags.str("config"), Environ: os.Environ()}); err == nil || flags.str("config") != "" {
		s, err := openSession(ctx, flags, stdio)
		if err != nil {
			return devChoice{}, err
		}
		defer s.Close()
		choice, found, err := devConfigChoice(s.cfg, flags, need, pick)
		if found || err != nil {
			return choice, err
		}
	}
	if need != nil {
		return devChoice{}, fmt.Errorf("no dev config with sync entries in devspace.yaml: give --path LOCAL:REMOTE")
	}
	pods, err := dev.RunningPods(ctx, cl, cl.Namespace)
	if err != nil {
		return devChoice{}, err
	}
	switch {
	case len(pods) == 0:
		return devChoice{}, fmt.Errorf("no running pod in namespace %q, and no dev config in devspace.yaml selects one: give -n, --pod, --label-selector or --image-selector", cl.Namespace)
	case len(pods) == 1:
		return devChoice{sel: kube.Selector{Pod: pods[0]}}, nil
	case pick == nil:
		return devChoice{}, fmt.Errorf("several pods in namespace %q (%s): choose one with --pod, --label-selector or --image-selector, or run in a terminal to pick", cl.Namespace, strings.Join(pods, ", "))
	}
	name, err := pick("pod", pods)
	return devChoice{sel: kube.Selector{Pod: name}}, err
}

// devConfigChoice is the dev config of cfg a command goes to: among the
// running dev sessions of the project first (in the namespace of -n when
// given), else among the dev configs with selectors. found is false when
// there is none of either.
func devConfigChoice(cfg *config.Config, flags *flagValues, need func(*config.DevPod) bool, pick func(string, []string) (string, error)) (devChoice, bool, error) {
	running, err := dev.RunningSessions(dev.SessionsFile(cfg.Path))
	if err != nil {
		return devChoice{}, true, err
	}
	sels := map[string]kube.Selector{}
	for name, r := range running {
		if (need == nil || need(cfg.Dev[name])) && (!flags.set["namespace"] || r.Namespace == flags.str("namespace")) {
			sels[name] = r.Selector()
		}
	}
	what := "running dev sessions"
	if len(sels) == 0 {
		sels, what = dev.DevSelectors(cfg, need), "dev configs"
	}
	if len(sels) == 0 {
		return devChoice{}, false, nil
	}
	asked := "dev config's pod"
	if what == "running dev sessions" {
		asked = "running dev session's pod"
	}
	name, sel, err := dev.OneSelector(sels, what, pickIn(pick, asked))
	return devChoice{sel: sel, devName: name, devPod: cfg.Dev[name], dir: cfg.Dir}, true, err
}

// terminalPick asks at a terminal (with --pick) which of names; nil
// elsewhere.
func terminalPick(ctx context.Context, flags *flagValues, stdio IO) func(string, []string) (string, error) {
	in, ok := stdio.Stdin.(*os.File)
	if !ok || !flags.boolean("pick") || !term.IsTerminal(int(in.Fd())) {
		return nil
	}
	return func(what string, names []string) (string, error) {
		return prompt.Ask(ctx, in, stdio.Stderr, prompt.Question{Text: "Which " + what + "?", Options: names})
	}
}

// pickIn fixes what pick asks for; nil stays nil.
func pickIn(pick func(string, []string) (string, error), what string) func([]string) (string, error) {
	if pick == nil {
		return nil
	}
	return func(names []string) (string, error) { return pick(what, names) }
}
