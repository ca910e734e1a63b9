package builtins

import (
	"context"
	"fmt"
	"io"

	"github.com/devspace-engine/devspace/engine"
)

// get_config_value reads the config after variables and profiles.
//
// Unlike DevSpace, which prints nothing and succeeds for any path it cannot
// resolve, a path that does not exist is an error naming the first segment
// that is missing: a typo in a pipeline (`deployment.app…`) then fails
// loudly instead of comparing against "". A path that exists and holds null
// (`image:` with no value) still prints nothing and succeeds.
var getConfigValue = simple("get_config_value", "get_config_value PATH",
	"Print a config value: a scalar as is (no newline), a mapping or list as YAML. "+
		"PATH is like deployments.app.helm.values.containers[0].image.", false,
	func(_ context.Context, c *engine.Call, args []string) error {
		if len(args) != 1 {
			return engine.Usagef("get_config_value deployments.my-deployment.helm.chart.name")
		}
		if c.Config() == nil {
			return fmt.Errorf("no devspace.yaml is loaded")
		}
		out, err := c.Config().Query(args[0])
		if err != nil {
			return err
		}
		_, err = io.WriteString(c.Stdout, out)
		return err
	})
