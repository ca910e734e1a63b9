package commands

import (
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/builtins"
	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
)

func allBuiltins() []*engine.Builtin { return builtins.All() }

// runCommand runs an entry of `commands:`. Unlike DevSpace, the script may
// call pipeline builtins too (get_image, run_pipelines, …).
func runCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:            "run",
		Usage:           "Run a command of devspace.yaml",
		ArgsUsage:       "COMMAND [args...]",
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
				return cli.ShowCommandHelp(c, "run")
			}
			flags := newFlagValues()
			flags.fromURFave(c, append(append([]flagSpec{}, globalFlags...), runFlags...))
			s, err := openSession(flags, stdio)
			if err != nil {
				return err
			}
			defer s.Close()
			cmd, ok := s.cfg.Commands[args[0]]
			if !ok {
				return fmt.Errorf("command %q not found; commands in %s: %s", args[0], config.DefaultFile,
					strings.Join(sortedKeys(s.cfg.Commands), ", "))
			}
			what := fmt.Sprintf("command %q", cmd.Name)
			if len(cmd.Args) > 0 {
				return scriptResult(c.Context, what, execDirect(c, s, cmd, args[1:], stdio))
			}
			text := cmd.Command
			if cmd.AppendArgs {
				for _, a := range args[1:] {
					text += " " + shellQuote(a)
				}
			}
			script := engine.Script{Name: what, Text: text, Source: cmd.Script}
			err = s.eng.RunScript(c.Context, script, engine.RunOptions{Args: args[1:]})
			return scriptResult(c.Context, what, err)
		},
	}
}

// execDirect runs a command given with `args:`, without a shell.
func execDirect(c *cli.Context, s *session, cmd *config.Command, extra []string, stdio IO) error {
	proc := exec.CommandContext(c.Context, cmd.Command, append(append([]string{}, cmd.Args...), extra...)...)
	proc.Dir = s.cfg.Dir
	proc.Env = os.Environ()
	for k, v := range s.cfg.Variables {
		if !strings.Contains(k, ".") {
			proc.Env = append(proc.Env, k+"="+v)
		}
	}
	proc.Stdin, proc.Stdout, proc.Stderr = stdio.Stdin, stdio.Stdout, stdio.Stderr
	err := proc.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return &exitError{code: exit.ExitCode(), msg: fmt.Sprintf("command %q exited with status %d", cmd.Name, exit.ExitCode())}
	}
	return err
}

// shellQuote single-quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
