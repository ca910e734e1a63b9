package commands

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/config"
)

// resetCommand is `devspace reset vars`: the project forgets the answers
// given to its questions, which are asked again on the next run.
func resetCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "reset",
		Usage: "Reset state devspace keeps for the project",
		Subcommands: []*cli.Command{resetPodsCommand(stdio), {
			Name:  "vars",
			Usage: "Forget the answers given to the config's questions (they are asked again)",
			Flags: urfaveFlags(globalFlags),
			Action: func(c *cli.Context) error {
				flags := newFlagValues()
				flags.fromCommand(c, globalFlags)
				// Found, not loaded: loading would ask the questions.
				path, err := config.Find(config.LoadOptions{File: flags.str("config"), Environ: os.Environ()})
				if err != nil {
					return err
				}
				had, err := config.ForgetAnswers(path)
				if err != nil {
					return fmt.Errorf("reset vars: %w", err)
				}
				if had {
					fmt.Fprintf(stdio.Stdout, "Forgot the remembered answers of %s\n", path)
				} else {
					fmt.Fprintf(stdio.Stdout, "No remembered answers for %s\n", path)
				}
				return nil
			},
		}},
	}
}
