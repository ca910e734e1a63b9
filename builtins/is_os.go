package builtins

import (
	"context"
	"runtime"

	"github.com/devspace-engine/devspace/engine"
)

var isOS = simple("is_os", "is_os linux|darwin|windows",
	"Succeed if devspace runs on that operating system (Go's GOOS); fail silently otherwise.", true,
	func(_ context.Context, _ *engine.Call, args []string) error {
		return truth(len(args) == 1 && args[0] == runtime.GOOS)
	})
