package commands

import (
	"context"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/builtins"
	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/lifecycle"
)

func allBuiltins() []*engine.Builtin { return builtins.All(nil) }

// runCommand runs an entry of `commands:`. Unlike DevSpace, the script may
// call pipeline builtins too (get_image, run_pipelines, …).
func runCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:            "run",
		Usage:           "Run a command of devspace.yaml",
		ArgsUsage:       "COMMAND [args...]",
		SkipFlagParsing: true,
		HideHelpCommand: true, // "help" here is a user's name or argument, not a subcommand
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
				return cli.ShowCommandHelp(c, "run")
			}
			flags := newFlagValues()
			specs := append(append([]flagSpec{}, globalFlags...), runFlags...)
			flags.fromURFave(c, specs)
			args, err := flags.leadingFlags(args, specs)
			if err != nil {
				return &exitError{code: 2, msg: fmt.Sprintf("run: %v", err)}
			}
			if len(args) == 0 {
				return cli.ShowCommandHelp(c, "run")
			}
			s, err := openSession(c.Context, flags, stdio)
			if err != nil {
				return err
			}
			defer s.Close()
			cmd, ok := s.cfg.Commands[args[0]]
			if !ok {
				return fmt.Errorf("command %q not found; commands in %s: %s", args[0], config.DefaultFile,
					strings.Join(slices.Sorted(maps.Keys(s.cfg.Commands)), ", "))
			}
			what := fmt.Sprintf("command %q", cmd.Name)
			if len(cmd.Args) > 0 {
				err = execDirect(c, s, cmd, args[1:])
			} else {
				text := cmd.Command
				if cmd.AppendArgs {
					for _, a := range args[1:] {
						text += " " + shellQuote(a)
					}
				}
				script := engine.Script{Name: what, Text: text, Source: cmd.Script}
				err = s.eng.RunScript(c.Context, script, engine.RunOptions{Args: args[1:]})
			}
			err = scriptResult(c.Context, what, err)
			if afterErr := runAfter(c.Context, s, cmd, err); afterErr != nil && err == nil {
				err = afterErr
			}
			return err
		},
	}
}

// execDirect runs a command given with `args:`, without a shell.
func execDirect(c *cli.Context, s *session, cmd *config.Command, extra []string) error {
	stdio := s.stdio
	proc := exec.Command(cmd.Command, append(append([]string{}, cmd.Args...), extra...)...)
	proc.Dir = s.cfg.Dir
	proc.Env = slices.Clip(s.cfg.Environ) // with the env file's entries
	for k, v := range s.cfg.Variables {
		if !strings.Contains(k, ".") {
			proc.Env = append(proc.Env, k+"="+v)
		}
	}
	proc.Stdin, proc.Stdout, proc.Stderr = stdio.Stdin, engine.ChildWriter(stdio.Stdout), engine.ChildWriter(stdio.Stderr)
	// As in pipelines, the program gets its own process group (unless it
	// needs the terminal), so that a signal ends all it started: TERM to
	// the group, then KILL after the grace period.
	proc.SysProcAttr = &syscall.SysProcAttr{Setpgid: !engine.IsTerminal(stdio.Stdin)}
	proc.WaitDelay = engine.KillGrace
	if _, err := s.tmpDir.Ensure(); err != nil { // it inherits DEVSPACE_TMPDIR
		return err
	}
	err := lifecycle.Run(c.Context, proc, engine.KillGrace)
	if exit, ok := err.(*exec.ExitError); ok {
		code := exit.ExitCode() // -1 when a signal ended it: report 128+N, as a shell does
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		return &exitError{code: code, msg: fmt.Sprintf("command %q exited with status %d", cmd.Name, code)}
	}
	return err
}

// shellQuote single-quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// afterDeadline bounds a command's `after:` script when the command was
// interrupted, so that a signal still ends devspace promptly.
const afterDeadline = 3 * time.Second

// runAfter runs a command's `after:` script, as DevSpace does: with
// COMMAND_ERROR set when the command failed and COMMAND_INTERRUPT=true when
// it was interrupted.
func runAfter(ctx context.Context, s *session, cmd *config.Command, cmdErr error) error {
	if strings.TrimSpace(cmd.After) == "" {
		return nil
	}
	var extra []string
	if ctx.Err() != nil {
		extra = append(extra, "COMMAND_INTERRUPT=true")
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), afterDeadline)
		defer cancel()
	} else if cmdErr != nil {
		extra = append(extra, "COMMAND_ERROR="+cmdErr.Error())
	}
	script := engine.Script{Name: fmt.Sprintf("command %q after", cmd.Name), Text: cmd.After,
		Source: s.cfg.ScriptAt("commands." + cmd.Name + ".after")}
	return scriptResult(ctx, script.Name, s.eng.RunScript(ctx, script, engine.RunOptions{Env: s.eng.Env(extra...)}))
}
