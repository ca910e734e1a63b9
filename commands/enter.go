package commands

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/dev"
	"github.com/devspace-engine/devspace/kube"
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

// enterOwnFlags are enter's own beyond the pod flags: --workdir.
var enterOwnFlags = []flagSpec{{name: "workdir", kind: kindString, usage: "the working directory of the command in the container"}}

// podWait bounds the wait for a selected pod to be running and ready.
const podWait = 2 * time.Minute

func enterCommand(stdio IO) *cli.Command {
	cmd := podCommand("enter", "Open a shell (or run a command) in a dev container, with a terminal when stdin is one", enterOwnFlags, stdio,
		func(c *cli.Context, cl *kube.Client, pod kube.Pod, flags *flagValues) error {
			return dev.Enter(c.Context, cl, pod, dev.EnterOptions{
				Command: c.Args().Slice(), WorkDir: flags.str("workdir"),
				Stdin: stdio.Stdin, Stdout: stdio.Stdout, Stderr: stdio.Stderr,
			})
		})
	cmd.ArgsUsage = "[-- COMMAND [ARGS...]]"
	return cmd
}
