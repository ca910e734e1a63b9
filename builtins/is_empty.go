package builtins

import (
	"context"
	"strings"

	"github.com/devspace-engine/devspace/engine"
)

var isEmpty = simple("is_empty", "is_empty S",
	"Succeed if S is empty or only whitespace; fail silently otherwise.", true,
	func(_ context.Context, _ *engine.Call, args []string) error {
		switch len(args) {
		case 0: // `is_empty $x` with x empty: the shell drops the word
			return truth(true)
		case 1:
			return truth(strings.TrimSpace(args[0]) == "")
		}
		return truth(false)
	})
