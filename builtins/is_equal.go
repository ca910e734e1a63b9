package builtins

import (
	"context"
	"strings"

	"mvdan.cc/sh/v3/interp"

	"github.com/devspace-engine/devspace/engine"
)

var isEqual = simple("is_equal", "is_equal A B",
	"Succeed if A and B are the same string; fail silently otherwise.", true,
	func(_ context.Context, _ *engine.Call, args []string) error {
		switch len(args) {
		case 0:
			return truth(true)
		case 1: // the shell drops an unquoted empty word: `is_equal $x ""`
			return truth(strings.TrimSpace(args[0]) == "")
		case 2:
			return truth(args[0] == args[1])
		}
		return truth(false)
	})

// truth is the exit status of a test builtin: 0 for true, a silent 1 for
// false (like `test`, no message).
func truth(ok bool) error {
	if ok {
		return nil
	}
	return interp.ExitStatus(1)
}
