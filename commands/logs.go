package commands

import (
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/dev"
)

// logsOwnFlags are logs' own: the pod flags, --follow, --lines,
// --all-containers and --previous.
var logsOwnFlags = append(slices.Clip(podFlags),
	flagSpec{name: "follow", short: "f", kind: kindBool, usage: "keep printing new lines, with the new pod when it is replaced"},
	flagSpec{name: "lines", kind: kindInt, def: "200", usage: "start with the last this many lines (0: all)"},
	flagSpec{name: "all-containers", kind: kindBool, usage: "the log of each container of the pod, each line after its container's name"},
	flagSpec{name: "previous", kind: kindBool, usage: "the log of the container's previous run (the one that crashed)"},
)

func logsCommand(stdio IO) *cli.Command {
	return withPodFlags(&cli.Command{
		Name:  "logs",
		Usage: "Print the log of a dev container, or of all the pod's (-f: follow it)",
	}, logsOwnFlags, func(c *cli.Context, flags *flagValues) error {
		if flags.boolean("all-containers") && flags.str("container") != "" {
			return &exitError{code: 2, msg: "devspace logs: give -c CONTAINER or --all-containers, not both"}
		}
		cl, choice, pod, err := selectPod(c.Context, flags, stdio, nil)
		if err != nil {
			return err
		}
		return dev.PodLogs(c.Context, cl, pod, choice.sel, dev.LogRequest{
			Lines: c.Int("lines"), Follow: flags.boolean("follow"),
			Previous: flags.boolean("previous"), AllContainers: flags.boolean("all-containers"),
		}, stdio.Stdout)
	})
}
