package commands

import (
	"errors"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/dev"
	"github.com/devspace-engine/devspace/kube"
)

// attachCommand is `devspace attach`: the terminal joined to a dev
// container's main process (kubectl attach), picked like enter's pod.
func attachCommand(stdio IO) *cli.Command {
	global := globalFlagsNoC()
	return &cli.Command{
		Name:  "attach",
		Usage: "Attach to the main process of a dev container (its stdin and TTY when the container has them)",
		Flags: urfaveFlags(append(slices.Clip(global), podFlags...)),
		Action: func(c *cli.Context) error {
			flags := newFlagValues()
			flags.fromCommand(c, global)
			flags.fromURFave(c, podFlags) // declared by this command alone
			cl, _, pod, err := selectPod(c.Context, flags, stdio)
			if err != nil {
				return err
			}
			err = dev.Attach(c.Context, cl, pod, dev.AttachOptions{Stdin: stdio.Stdin, Stdout: stdio.Stdout, Stderr: stdio.Stderr})
			var exit *kube.ExitError
			if errors.As(err, &exit) { // the process's own status
				return &exitError{code: exit.Code}
			}
			return err
		},
	}
}
