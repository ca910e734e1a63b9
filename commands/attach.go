package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/dev"
	"github.com/devspace-engine/devspace/kube"
)

// attachCommand is `devspace attach`: the terminal joined to a dev
// container's main process (kubectl attach), picked like enter's pod.
func attachCommand(stdio IO) *cli.Command {
	return podCommand("attach", "Attach to the main process of a dev container (its stdin and TTY when the container has them)", nil, stdio,
		func(c *cli.Context, cl *kube.Client, pod kube.Pod, _ *flagValues) error {
			return dev.Attach(c.Context, cl, pod, dev.AttachOptions{Stdin: stdio.Stdin, Stdout: stdio.Stdout, Stderr: stdio.Stderr})
		})
}
