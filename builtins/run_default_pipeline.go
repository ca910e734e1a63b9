package builtins

import (
	"context"
	"fmt"

	"github.com/devspace-engine/devspace/engine"
)

var runDefaultPipeline = simple("run_default_pipeline", "run_default_pipeline build|deploy|dev|purge",
	"Run DevSpace's built-in pipeline of that name, even when devspace.yaml overrides it.", false,
	func(ctx context.Context, c *engine.Call, args []string) error {
		if len(args) != 1 {
			return engine.Usagef("run_default_pipeline [pipeline]")
		}
		if _, ok := engine.DefaultPipeline(args[0]); !ok {
			return fmt.Errorf("couldn't find pipeline %s: the default pipelines are build, deploy, dev and purge", args[0])
		}
		return c.RunDefaultPipeline(ctx, args[0])
	})
