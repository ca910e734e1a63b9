package builtins

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/engine"
)

// get_config_value reads the config after variables and profiles.
//
// Unlike DevSpace, which prints nothing and succeeds for any path it cannot
// resolve, a path that does not exist is an error naming the first segment
// that is missing: a typo in a pipeline (`deployment.app…`) then fails
// loudly instead of comparing against "". A path that exists and holds null
// (`image:` with no value) still prints nothing and succeeds.
//
// As in DevSpace, a dependency's pipeline reads the dependency's config,
// and `dependencies.NAME.…` is the caller's entry for it. DevSpace has no
// way to read a dependency's own config from its parent; --dependency NAME
// does that here, as get_image --dependency does for images.
func getConfigValue(svc *Services) *engine.Builtin {
	return &engine.Builtin{
		Name:  "get_config_value",
		Usage: "get_config_value [--dependency NAME] PATH",
		Summary: "Print a config value: a scalar as is (no newline), a mapping or list as YAML. " +
			"PATH is like deployments.app.helm.values.containers[0].image.",
		New: func() engine.Command { return &getConfigValueCmd{svc: svc} },
	}
}

type getConfigValueCmd struct {
	svc        *Services
	dependency string
}

func (g *getConfigValueCmd) Flags(fs *pflag.FlagSet, _ *engine.Call) {
	fs.StringVar(&g.dependency, "dependency", "", "read the config of this dependency")
}

func (g *getConfigValueCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	if len(args) != 1 {
		return engine.Usagef("get_config_value [--dependency NAME] deployments.my-deployment.helm.chart.name")
	}
	cfg := c.Config()
	if cfg == nil {
		return fmt.Errorf("no devspace.yaml is loaded")
	}
	if g.dependency != "" {
		if g.svc.Dependencies == nil {
			return fmt.Errorf("--dependency %s: dependencies need a devspace.yaml", g.dependency)
		}
		dep, err := g.svc.Dependencies.Project(ctx, nil, g.dependency)
		if err != nil {
			return err
		}
		cfg = dep.Config
	}
	out, err := cfg.Query(args[0])
	if err != nil {
		if g.dependency != "" {
			return fmt.Errorf("dependency %s: %w", g.dependency, err)
		}
		return err
	}
	_, err = io.WriteString(c.Stdout, out)
	return err
}
