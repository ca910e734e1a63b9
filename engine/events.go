package engine

import "context"

// Events receives what builtins report while they work (an image built, a
// deployment applied), named like "after:build:app". It is the seam for
// hooks: the engine passes every call the same sink and attaches no meaning
// to the events itself.
type Events interface {
	// Emit reports one event. An error fails the builtin that emitted it.
	Emit(ctx context.Context, name string, data map[string]string) error
}

// noEvents is the sink of an engine given none: it drops every event.
type noEvents struct{}

func (noEvents) Emit(context.Context, string, map[string]string) error { return nil }
