package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/dev"
)

// restartCommand is `devspace restart`: the restart helper of a
// replaced dev container runs the container's process again, without
// restarting the container (its synced files stay), as DevSpace's does.
func restartCommand(stdio IO) *cli.Command {
	return podCommand(&cli.Command{
		Name:  "restart",
		Usage: "Run a dev container's process again through the restart helper (sync's startContainer / onUpload.restartContainer)",
	}, podFlags, func(c *cli.Context, flags *flagValues) error {
		cl, _, pod, err := selectPod(c.Context, flags, stdio, nil)
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
	})
}
