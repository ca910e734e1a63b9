package builtins

import (
	"context"
	"io"

	"github.com/devspace-engine/devspace/engine"
)

// runCommand runs args as a script line would, with the caller's directory,
// environment and output and the given stdin. A builtin runs in-process in
// the caller's job, so get_flag and run_pipelines see the calling pipeline.
// Anything else (a config function, `devspace`, a program on PATH) goes
// through Call.Exec, in the same job, so the engine's dispatch order and
// its process handling (own process group, SIGTERM then SIGKILL) apply.
func runCommand(ctx context.Context, c *engine.Call, stdin io.Reader, args []string) error {
	call := *c
	call.Stdin = stdin
	if b, ok := c.Builtin(args[0]); ok {
		call.Name = b.Name
		return call.Invoke(ctx, b, append([]string{b.Name}, args[1:]...))
	}
	return call.Exec(ctx, args)
}
