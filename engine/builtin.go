package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
	"mvdan.cc/sh/v3/interp"
)

// Builtin is a command that runs inside the devspace process.
type Builtin struct {
	Name string
	// Usage is the synopsis, e.g. "build_images [--all | IMAGE...] [flags]".
	Usage string
	// Summary is one line for listings and the top of --help.
	Summary string
	// New returns a fresh command for one call: its flags bind to the
	// command's own fields, so concurrent calls never share state.
	New func() Command
	// RawArgs passes every argument through unparsed (is_equal -a -a must
	// compare "-a" with "-a"); only a lone --help is recognised.
	RawArgs bool
}

// Command is one call of a builtin.
type Command interface {
	// Flags registers the command's flags. Defaults may depend on the call
	// (e.g. `--tag` defaults to the CLI's -t), so they get it.
	Flags(fs *pflag.FlagSet, c *Call)
	// Run executes the command with the positional arguments left after
	// flag parsing. A returned interp.ExitStatus is a silent failure (like
	// `false`); any other error is printed as "NAME: error", after the
	// call's devspace.yaml line:col when it has one, and gives 1.
	Run(ctx context.Context, c *Call, args []string) error
}

// Invoke runs a builtin with shell-style arguments (args[0] is its name).
// It prints errors as "NAME: reason", preceded by the call's place in the
// config file when it has one, and returns an interp.ExitStatus.
func (e *Engine) Invoke(ctx context.Context, b *Builtin, c *Call, args []string) error {
	if e.debug {
		fmt.Fprintf(e.stderr, "[debug] %s\n", strings.Join(args, " "))
	}
	cmd := b.New()
	fs := pflag.NewFlagSet(b.Name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	cmd.Flags(fs, c)
	help := fs.BoolP("help", "h", false, "show this help")
	if b.RawArgs {
		if len(args) == 2 && args[1] == "--help" {
			writeHelp(c.Stdout, b, fs)
			return nil
		}
		return e.finish(ctx, b, c, cmd.Run(ctx, c, args[1:]))
	}
	if err := fs.Parse(args[1:]); err != nil {
		c.report(ctx, b.Name, fmt.Errorf("%s (see '%s --help')", flagError(err), b.Name))
		return interp.ExitStatus(1)
	}
	if *help {
		writeHelp(c.Stdout, b, fs)
		return nil
	}
	return e.finish(ctx, b, c, cmd.Run(ctx, c, fs.Args()))
}

// finish turns a builtin's error into the shell's exit status.
func (e *Engine) finish(ctx context.Context, b *Builtin, c *Call, err error) error {
	var status interp.ExitStatus
	switch {
	case err == nil:
		return nil
	case errors.As(err, &status):
		// A bare status was explained by whatever failed; a wrapped one
		// says who failed (`pipeline "a" failed: exit status 3`), which the
		// user needs when several pipelines ran. The status is kept.
		if _, bare := err.(interp.ExitStatus); !bare && ctx.Err() == nil {
			c.report(ctx, b.Name, err)
		}
		return status
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return err
	}
	c.report(ctx, b.Name, err)
	return interp.ExitStatus(1)
}

// flagError rewords pflag's messages: "unknown flag: --nope" is fine,
// "unknown shorthand flag: 'x' in -x" is made to name the flag plainly.
func flagError(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "unknown shorthand flag: "); i >= 0 {
		if _, after, ok := strings.Cut(msg, " in "); ok {
			return "unknown flag: " + after
		}
	}
	return msg
}

func writeHelp(w io.Writer, b *Builtin, fs *pflag.FlagSet) {
	fmt.Fprintf(w, "%s\n\nUsage: %s\n", b.Summary, b.Usage)
	if usages := fs.FlagUsages(); usages != "" {
		fmt.Fprintf(w, "\nFlags:\n%s", usages)
	}
}

// Usagef returns an error that states how a builtin is called.
func Usagef(format string, args ...any) error {
	return fmt.Errorf("usage: "+format, args...)
}
