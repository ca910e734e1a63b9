package builtins

import (
	"context"

	"github.com/devspace-engine/devspace/engine"
)

var isTrue = simple("is_true", "is_true S",
	`Succeed if S is exactly "true" (not "TRUE", not "1"); fail silently otherwise.`, true,
	func(_ context.Context, _ *engine.Call, args []string) error {
		return truth(len(args) == 1 && args[0] == "true")
	})
