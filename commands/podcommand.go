package commands

import (
	"errors"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/kube"
)

// podCommand is a command that works on one dev container, chosen by
// the pod flags as enter's is; own are its flags beyond those. A
// non-zero exit of what ran in the container becomes devspace's.
func podCommand(name, usage string, own []flagSpec, stdio IO, run func(c *cli.Context, cl *kube.Client, pod kube.Pod, flags *flagValues) error) *cli.Command {
	cmd := &cli.Command{Name: name, Usage: usage}
	return withPodFlags(cmd, append(slices.Clip(podFlags), own...), func(c *cli.Context, flags *flagValues) error {
		cl, _, pod, err := selectPod(c.Context, flags, stdio, nil)
		if err != nil {
			return err
		}
		err = run(c, cl, pod, flags)
		var exit *kube.ExitError
		if errors.As(err, &exit) {
			return &exitError{code: exit.Code}
		}
		return err
	})
}

// projectAction is the action of a command on the project's config: the
// global flags read and the config loaded for run.
func projectAction(stdio IO, run func(c *cli.Context, s *session, flags *flagValues) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		flags := newFlagValues()
		flags.fromCommand(c, globalFlags)
		s, err := openSession(c.Context, flags, stdio)
		if err != nil {
			return err
		}
		defer s.Close()
		return run(c, s, flags)
	}
}
