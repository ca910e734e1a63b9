package engine

import (
	"context"
	"errors"
	"fmt"
	"io"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/redact"
	"github.com/devspace-engine/devspace/runvars"
)

// Call is what a builtin may use: the shell's current state (the fields)
// and the engine's services (the methods). A builtin never sees the engine
// itself. A Call is immutable for the call's duration; a builtin that runs
// another command copies it and changes the copy's fields.
type Call struct {
	Name   string
	Dir    string
	Env    expand.Environ
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	engine *Engine
	// job is the pipeline the call runs in; nil outside pipelines
	// (`devspace builtin NAME`).
	job *pipelineJob
	// site is where a script calls the builtin; zero outside scripts
	// (`devspace builtin NAME`). A copied Call keeps it, so a builtin that
	// xargs or run_watch runs fails at their line.
	site callSite
}

// callSite is a builtin call's place in a script. It is turned into a
// file position only when the call fails.
type callSite struct {
	script Script
	pos    syntax.Pos
}

// NewCall returns a call of the builtin name outside any script, in dir,
// with the engine's environment and output (`devspace builtin NAME`).
func (e *Engine) NewCall(name, dir string) *Call {
	return &Call{Name: name, Dir: dir, Env: e.Env(), Stdin: e.stdin, Stdout: e.stdout, Stderr: e.stderr, engine: e}
}

// Getenv returns a variable of the calling shell.
func (c *Call) Getenv(name string) string {
	return c.Env.Get(name).String()
}

// Environ lists the calling shell's exported variables as KEY=VALUE, for
// a child process a builtin starts.
func (c *Call) Environ() []string {
	return execEnv(c.Env)
}

// Config is the loaded config, nil when the run has none. Builtins read
// it; they never change it.
func (c *Call) Config() *config.Config { return c.engine.config }

// Runtime is the store of runtime variables.
func (c *Call) Runtime() *runvars.Store { return c.engine.runtime }

// Secrets are the run's secret values, for output the engine's writers do
// not carry; nil means none.
func (c *Call) Secrets() *redact.Set { return c.engine.secrets }

// Silent reports --silent: print only errors.
func (c *Call) Silent() bool { return c.engine.silent }

// Debug reports --debug: say more about what runs.
func (c *Call) Debug() bool { return c.engine.debug }

// Events is where the builtin reports what it did, for hooks.
func (c *Call) Events() Events { return c.engine.events }

// Flag returns a flag's value: the pipeline's own flags first, then the
// invoking command's CLI flags.
func (c *Call) Flag(name string) (string, bool) {
	if c.job != nil {
		if v, ok := c.job.Flags[name]; ok {
			return v, true
		}
	}
	v, ok := c.cliFlags()[name]
	return v, ok
}

// cliFlags are the CLI flags the call's run started with.
func (c *Call) cliFlags() map[string]string {
	if c.job != nil && c.job.cliFlags != nil {
		return c.job.cliFlags
	}
	return c.engine.cliFlags
}

// ContinueOnError reports whether the calling pipeline has
// continueOnError: a builtin running several things then runs them all
// and reports every failure instead of cancelling the rest at the first.
func (c *Call) ContinueOnError() bool {
	return c.job != nil && c.job.Pipeline != nil && c.job.Pipeline.ContinueOnError
}

// Prefixed returns a writer that prefixes every line written to out (an
// empty prefix only keeps lines whole), sharing one lock with every other
// writer of the run for the same destination. Call Flush when done.
func (c *Call) Prefixed(out io.Writer, prefix string) *PrefixWriter {
	return c.engine.prefixed(out, prefix)
}

// Labelled returns the output of a nested run called name (a pipeline of
// run_pipelines, a dependency): whole lines, prefixed "[name] " on the
// caller's own output, where prefixes of nested runs stack; redirected
// output (`> file`) is the caller's to shape, so it gets whole lines
// without prefixes. Call Flush on both when the run ends.
func (c *Call) Labelled(name string) (stdout, stderr *PrefixWriter) {
	_, nested := c.Stdout.(*PrefixWriter)
	label := ""
	if c.Stdout == c.engine.stdout || nested {
		label = "[" + name + "] "
	}
	return c.engine.prefixed(c.Stdout, label), c.engine.prefixed(c.Stderr, label)
}

// Builtin returns the builtin a command name runs, following the engine's
// order: a config function of that name wins (no builtin), and __NAME
// reaches a builtin that a function shadows.
func (c *Call) Builtin(name string) (*Builtin, bool) {
	if c.IsFunction(name) {
		return nil, false
	}
	return c.engine.lookupBuiltin(name)
}

// IsFunction reports whether name is a config function.
func (c *Call) IsFunction(name string) bool {
	_, ok := c.engine.function(name)
	return ok
}

// Invoke runs builtin b with args (args[0] is its name) as this call:
// same job, directory, environment and output.
func (c *Call) Invoke(ctx context.Context, b *Builtin, args []string) error {
	return c.engine.Invoke(ctx, b, c, args)
}

// Exec runs one command line (args) as the calling script would: config
// functions, builtins and programs in the engine's order, in the caller's
// job (its flags and pipeline chain), directory, environment and output.
// xargs and run_watch use it to run their utility.
func (c *Call) Exec(ctx context.Context, args []string) error {
	return c.engine.exec(ctx, c, args)
}

// RunScript runs a script that is not a pipeline (a custom build's
// command) with the engine's builtins and functions, set -e on, and the
// call's CLI flags unless opts name others.
func (c *Call) RunScript(ctx context.Context, s Script, opts RunOptions) error {
	if opts.CLIFlags == nil {
		opts.CLIFlags = c.cliFlags()
	}
	return c.engine.RunScript(ctx, s, opts)
}

// RunPipelines runs pipelines from the calling script (run_pipelines).
func (c *Call) RunPipelines(ctx context.Context, opts PipelinesOptions) error {
	return c.engine.runPipelines(ctx, c, opts)
}

// RunDefaultPipeline runs a built-in pipeline inside the calling one, with
// the caller's flags, directory, environment and output.
func (c *Call) RunDefaultPipeline(ctx context.Context, name string) error {
	return c.engine.runDefaultPipeline(ctx, c, name)
}

// report prints a builtin's failure: "FILE:LINE:COL: NAME: reason" when
// the call has a place in the config file, "NAME: reason" otherwise or
// when the reason already names a place (a nested pipeline's parse error).
// The same words go to the events as error:builtin:NAME (no hook can name
// it: it is for observers such as `devspace ui`).
func (c *Call) report(ctx context.Context, name string, err error) {
	var positioned *config.Error
	at := ""
	if c.engine != nil {
		at = c.engine.site(c.site.script, c.site.pos)
	}
	msg := fmt.Sprintf("%s: %s: %v", at, name, err)
	if at == "" || errors.As(err, &positioned) {
		msg = fmt.Sprintf("%s: %v", name, err)
	}
	fmt.Fprintln(c.Stderr, msg)
	if c.engine != nil {
		_ = c.engine.events.Emit(context.WithoutCancel(ctx), "error:builtin:"+name, map[string]string{"error": msg})
	}
}
