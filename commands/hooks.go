package commands

import (
	"context"
	"time"

	"github.com/devspace-engine/devspace/hook"
)

// interruptDeadline bounds the hooks on a command's interrupt event, so
// that Ctrl-C still ends devspace promptly.
const interruptDeadline = 3 * time.Second

// commandEvents names the events of a pipeline command as DevSpace does:
// devCommand:before:execute for `devspace dev`, runPipelineCommand:… for
// `devspace run-pipeline`.
func commandEvents(fixed string) string {
	if fixed == "" {
		return "runPipelineCommand"
	}
	return fixed + "Command"
}

// withCommandHooks runs run between the command's before:execute and
// after:execute hooks. When run fails, after:execute and :error run and
// only warn; when the command is interrupted, :interrupt runs (briefly,
// on a context of its own) and only warns.
func withCommandHooks(ctx context.Context, hooks *hook.Runner, fixed string, run func() error) error {
	prefix := commandEvents(fixed)
	err := hooks.Emit(ctx, prefix+":before:execute", nil)
	ran := err == nil
	if ran {
		err = run()
	}
	switch {
	case ctx.Err() != nil:
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), interruptDeadline)
		defer cancel()
		hooks.EmitWarn(hctx, prefix+":interrupt", nil)
	case err != nil && !ran:
		// A before:execute hook failed: the command did not run.
	case err != nil:
		data := map[string]string{"error": err.Error()}
		hooks.EmitWarn(ctx, prefix+":after:execute", data)
		hooks.EmitWarn(ctx, prefix+":error", data)
	default:
		err = hooks.Emit(ctx, prefix+":after:execute", nil)
	}
	return err
}
