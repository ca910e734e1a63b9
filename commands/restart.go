package commands

import (
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/dev"
)

// restartCommand is `devspace restart`: the restart helper of a
// replaced dev container runs the container's process again, without
// restarting the container (its synced files stay), as DevSpace's does.
func restartCommand(stdio IO) *cli.Command {
	global := globalFlagsNoC()
	return &cli.Command{
		Name:  "restart",
		Usage: "Run a dev container's process again through the restart helper (sync's startContainer / onUpload.restartContainer)",
		Flags: urfaveFlags(append(slices.Clip(global), podFlags...)),
		Action: func(c *cli.Context) error {
			flags := newFlagValues()
			flags.fromCommand(c, global)
			flags.fromURFave(c, podFlags) // declared by this command alone
			cl, _, pod, err := selectPod(c.Context, flags, stdio)
			if err != nil {
				return err
			}
			started, err := dev.RestartProcess(c.Context, cl, pod)
			if err != nil {
				return err
			}
			if started {
				fmt.Fprintf(stdio.Stdout, "Started the process in %s\n", pod)
			} else {
				fmt.Fprintf(stdio.Stdout, "Restarted the process in %s\n", pod)
			}
			return nil
		},
	}
}
