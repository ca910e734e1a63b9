package builtins

import (
	"context"

	"github.com/devspace-engine/devspace/engine"
)

// emitAll reports events in order to the hooks, stopping at the first
// that fails.
func emitAll(ctx context.Context, c *engine.Call, events ...string) error {
	for _, ev := range events {
		if err := c.Events().Emit(ctx, ev, nil); err != nil {
			return err
		}
	}
	return nil
}

// withStepEvents runs do between before:STEP and after:STEP; when it
// fails, error:STEP runs (and only warns).
func withStepEvents(ctx context.Context, c *engine.Call, step string, do func() error) error {
	if err := c.Events().Emit(ctx, "before:"+step, nil); err != nil {
		return err
	}
	if err := do(); err != nil {
		if ctx.Err() == nil {
			_ = c.Events().Emit(ctx, "error:"+step, map[string]string{"error": err.Error()})
		}
		return err
	}
	return c.Events().Emit(ctx, "after:"+step, nil)
}
