package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/dev"
	"github.com/devspace-engine/devspace/kube"
)

// restartCommand is `devspace restart`: the restart helper of a
// replaced dev container runs the container's process again, without
// restarting the container (its synced files stay), as DevSpace's does.
func restartCommand(stdio IO) *cli.Command {
	return podCommand("restart", "Run a dev container's process again through the restart helper (sync's startContainer / onUpload.restartContainer)", nil, stdio,
		func(c *cli.Context, cl *kube.Client, pod kube.Pod, _ *flagValues) error {
			started, err := dev.RestartProcess(c.Context, cl, pod)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdio.Stdout, dev.Restarted(pod, started))
			return nil
		})
}
