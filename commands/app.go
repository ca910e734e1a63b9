// Package commands is the devspace CLI (urfave/cli v2): it turns flags into
// options, loads the config, builds the engine with its builtins, runs the
// requested pipeline or command, and decides the exit code. It holds no
// pipeline logic of its own.
package commands

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
	"mvdan.cc/sh/v3/shell"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/redact"
)

// Version is set at build time with -ldflags "-X ...commands.Version=v1.2.3".
var Version = defaultVersion

// defaultVersion is Version when the build stamped none.
const defaultVersion = "v0.1.0-dev"

// IO is the process's standard streams.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer

	// secrets collects the secret values of the run's config as it is
	// loaded, so that even the final error message is printed masked.
	secrets *redact.Set
}

// Main runs the CLI and returns the process exit code.
func Main(ctx context.Context, args []string, stdio IO) int {
	if stdio.secrets == nil {
		stdio.secrets = &redact.Set{}
	}
	out := engine.NewCheckedWriter(stdio.Stdout)
	stdio.Stdout = out
	app := newApp(stdio)
	args, err := withEnvFlags(args, os.Getenv("DEVSPACE_FLAGS"), app.Flags)
	if err != nil {
		fmt.Fprintln(stdio.Stderr, err)
		return 2
	}
	err = app.RunContext(ctx, args)
	if err == nil && out.Err() != nil {
		// Output that did not arrive is a failure (`> /dev/full`).
		err = fmt.Errorf("write stdout: %w", unwrapPathError(out.Err()))
	}
	return exitCode(ctx, err, stdio.Stderr, stdio.secrets)
}

// unwrapPathError drops the "write /dev/stdout:" that *os.File adds: the
// message says "stdout" itself.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func newApp(stdio IO) *cli.App {
	app := &cli.App{
		Name:                 "devspace",
		Usage:                "run devspace.yaml pipelines: build images, deploy and develop on Kubernetes",
		Version:              Version,
		Reader:               stdio.Stdin,
		Writer:               stdio.Stdout,
		ErrWriter:            stdio.Stderr,
		Flags:                urfaveFlags(append(append([]flagSpec{}, globalFlags...), runFlags...)),
		EnableBashCompletion: true,
		Suggest:              true,
		HideVersion:          true,
		ExitErrHandler:       func(*cli.Context, error) {}, // exit codes are decided in Main
		// Reached without a command, or with a word that is none.
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return unknownCommand("", c.App.VisibleCommands(), c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
	}
	app.Commands = []*cli.Command{
		runPipelineCommand(stdio),
		pipelineCommand("build", "Build all images (runs the build pipeline)", stdio),
		pipelineCommand("deploy", "Build and deploy (runs the deploy pipeline)", stdio),
		pipelineCommand("dev", "Build, deploy and start dev mode (runs the dev pipeline)", stdio),
		pipelineCommand("render", "Print the manifests deploy would apply (runs the deploy pipeline with --render)", stdio),
		pipelineCommand("purge", "Remove deployments (runs the purge pipeline)", stdio),
		runCommand(stdio),
		uiCommand(stdio),
		enterCommand(stdio),
		logsCommand(stdio),
		syncCommand(stdio),
		analyzeCommand(stdio),
		attachCommand(stdio),
		restartCommand(stdio),
		openCommand(stdio),
		builtinCommand(stdio),
		printCommand(stdio),
		listCommand(stdio),
		useCommand(stdio),
		resetCommand(stdio),
		cleanupCommand(stdio),
		initCommand(stdio),
		versionCommand(stdio),
		installCompanionsCommand(stdio),
		completionCommand(stdio),
	}
	for _, cmd := range app.Commands {
		refuseUnknownSubcommands(cmd)
	}
	return app
}

// refuseUnknownSubcommands gives a command group (`list`, `reset`, ...)
// the action urfave/cli lacks: `devspace list WORD` with WORD none of its
// subcommands is refused like an unknown top-level command, instead of
// urfave/cli's "No help topic for 'WORD'".
func refuseUnknownSubcommands(cmd *cli.Command) {
	if len(cmd.Subcommands) == 0 || cmd.Action != nil {
		return
	}
	cmd.Action = func(c *cli.Context) error {
		if !c.Args().Present() {
			return cli.ShowSubcommandHelp(c)
		}
		return unknownCommand(cmd.Name, cmd.VisibleCommands(), c.Args().First())
	}
}

// withEnvFlags inserts the flags of DEVSPACE_FLAGS (shell-quoted) right
// after the program name, so that explicit flags still win. They are
// parsed on their own first, against the app's flags, so that a mistake
// in them is blamed on DEVSPACE_FLAGS rather than on the command line.
func withEnvFlags(args []string, env string, flags []cli.Flag) ([]string, error) {
	if strings.TrimSpace(env) == "" || len(args) == 0 {
		return args, nil
	}
	extra, err := shell.Fields(env, func(string) string { return "" })
	if err == nil {
		err = checkEnvFlags(extra, flags)
	}
	if err != nil {
		return nil, fmt.Errorf("DEVSPACE_FLAGS: %w\nfix or unset the DEVSPACE_FLAGS environment variable (its flags are added to every devspace command)", err)
	}
	out := append([]string{args[0]}, extra...)
	return append(out, args[1:]...), nil
}

// checkEnvFlags parses extra as urfave/cli parses the flags before a
// command (Go's flag package over the app's flags).
func checkEnvFlags(extra []string, flags []cli.Flag) error {
	fs := flag.NewFlagSet("DEVSPACE_FLAGS", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, f := range append(slices.Clip(flags), cli.HelpFlag) {
		if err := f.Apply(fs); err != nil {
			return err
		}
	}
	err := fs.Parse(extra)
	if err == nil {
		return nil
	}
	// Go's message spells every flag with one dash; name it as written.
	if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
		for _, arg := range extra {
			if before, _, _ := strings.Cut(arg, "="); strings.TrimLeft(before, "-") == name {
				return fmt.Errorf("unknown flag %s", before)
			}
		}
	}
	return err
}

// unknownCommand is the error for `devspace [GROUP] WORD` when WORD is
// none of the commands (of GROUP, when given).
func unknownCommand(group string, commands []*cli.Command, word string) error {
	var names []string
	for _, c := range commands {
		names = append(names, c.Names()...)
	}
	slices.Sort(names)
	path := strings.TrimSpace("devspace " + group)
	if group != "" {
		word = group + " " + word
	}
	msg := fmt.Sprintf("unknown command %q: run '%s --help' for the list of commands", word, path)
	if s := closestCommand(strings.TrimPrefix(word, group+" "), names); s != "" {
		msg = fmt.Sprintf("unknown command %q: did you mean %s?", word, strings.TrimSpace(group+" "+s))
	}
	return &exitError{code: 2, msg: msg}
}

// closestCommand is the command name a mistyped word most likely meant:
// one a typo or two away, else the only one it starts ("ren" for render).
func closestCommand(word string, names []string) string {
	if s := config.Suggest(word, names); s != "" {
		return s
	}
	var prefixed []string
	for _, n := range names {
		if len(word) >= 2 && strings.HasPrefix(n, word) {
			prefixed = append(prefixed, n)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	return ""
}

// exitCode maps an error to the process exit code, printing it with the
// config's secret values masked.
func exitCode(ctx context.Context, err error, stderr io.Writer, secrets *redact.Set) int {
	if sig := signalCode(ctx); sig != 0 {
		return sig
	}
	if err == nil {
		return 0
	}
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(stderr, secrets.Redact(msg))
		}
		return coded.ExitCode()
	}
	fmt.Fprintln(stderr, secrets.Redact(err.Error()))
	return 1
}

// SignalError is the cause a context is cancelled with when the process
// receives a signal; Main turns it into the conventional 128+N exit code.
type SignalError struct{ Code int }

func (e *SignalError) Error() string { return fmt.Sprintf("interrupted (exit %d)", e.Code) }

func signalCode(ctx context.Context) int {
	var sig *SignalError
	if errors.As(context.Cause(ctx), &sig) {
		return sig.Code
	}
	return 0
}
