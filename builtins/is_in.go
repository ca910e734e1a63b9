package builtins

import (
	"context"
	"strings"

	"github.com/devspace-engine/devspace/engine"
)

var isIn = simple("is_in", `is_in VALUE "A B C"`,
	"Succeed if VALUE is one of the space-separated words of the list; fail silently otherwise.", true,
	func(_ context.Context, _ *engine.Call, args []string) error {
		if len(args) != 2 {
			return truth(false)
		}
		for _, item := range strings.Split(args[1], " ") {
			if item == args[0] {
				return truth(true)
			}
		}
		return truth(false)
	})
