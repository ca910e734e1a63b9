package commands

import (
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/dev"
)

// logsOwnFlags are logs' own: the pod flags, --follow and --lines.
var logsOwnFlags = append(slices.Clip(podFlags),
	flagSpec{name: "follow", short: "f", kind: kindBool, usage: "keep printing new lines, with the new pod when it is replaced"},
	flagSpec{name: "lines", kind: kindInt, def: "200", usage: "start with the last this many lines (0: all)"},
)

func logsCommand(stdio IO) *cli.Command {
	global := globalFlagsNoC()
	return &cli.Command{
		Name:  "logs",
		Usage: "Print the log of a dev container (-f: follow it)",
		Flags: urfaveFlags(append(slices.Clip(global), logsOwnFlags...)),
		Action: func(c *cli.Context) error {
			flags := newFlagValues()
			flags.fromCommand(c, global)
			flags.fromURFave(c, logsOwnFlags) // declared by this command alone
			cl, choice, pod, err := selectPod(c.Context, flags, stdio, nil)
			if err != nil {
				return err
			}
			return dev.PodLogs(c.Context, cl, pod, choice.sel, c.Int("lines"), flags.boolean("follow"), stdio.Stdout)
		},
	}
}
