package commands

import (
	"fmt"

	"github.com/goccy/go-yaml"
	"github.com/urfave/cli/v2"
)

// printCommand shows the config after variables and profiles: what the
// pipelines will actually see.
func printCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "print",
		Usage: "Print the resolved devspace.yaml (variables substituted, profiles applied)",
		Flags: urfaveFlags(globalFlags),
		Action: func(c *cli.Context) error {
			flags := newFlagValues()
			flags.fromCommand(c, globalFlags)
			s, err := openSession(c.Context, flags, stdio)
			if err != nil {
				return err
			}
			defer s.Close()
			out, err := yaml.MarshalWithOptions(s.cfg.Raw, yaml.IndentSequence(true))
			if err != nil {
				return fmt.Errorf("print config: %w", err)
			}
			_, err = stdio.Stdout.Write(out)
			return err
		},
	}
}
