package builtins

import (
	"context"
	"io"
	"strings"

	"github.com/devspace-engine/devspace/engine"
)

// runCommand runs args as a script line would, with the caller's directory,
// environment and output and the given stdin. A builtin runs in-process in
// the caller's job, so get_flag and run_pipelines see the calling pipeline.
// Anything else (a config function, `devspace`, a program on PATH) goes
// through Engine.Exec, in the same job, so the engine's dispatch order and
// its process handling (own process group, SIGTERM then SIGKILL) apply.
func runCommand(ctx context.Context, c *engine.Call, stdin io.Reader, args []string) error {
	if b, ok := builtinFor(c.Engine, args[0]); ok {
		call := *c
		call.Name, call.Stdin = b.Name, stdin
		return c.Engine.Invoke(ctx, b, &call, append([]string{b.Name}, args[1:]...))
	}
	call := *c
	call.Stdin = stdin
	return c.Engine.Exec(ctx, &call, args)
}

// builtinFor returns the builtin a command name runs, following the
// engine's order: a config function of that name wins, and __NAME reaches
// a builtin that a function shadows.
func builtinFor(e *engine.Engine, name string) (*engine.Builtin, bool) {
	if isFunction(e, name) {
		return nil, false
	}
	b, ok := e.Builtins[name]
	if !ok {
		b, ok = e.Builtins[strings.TrimPrefix(name, "__")]
	}
	return b, ok
}

func isFunction(e *engine.Engine, name string) bool {
	if e.Config == nil {
		return false
	}
	_, ok := e.Config.Functions[name]
	return ok
}
