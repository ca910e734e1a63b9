// Package builtins holds the commands that pipeline scripts run in-process:
// one file per builtin, each declaring its flags and help and calling into
// the engine or a core package. All returns them for the engine.
package builtins

import (
	"context"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/engine"
)

// All returns every builtin, using svc for the process-wide cores (nil:
// new services with default limits).
func All(svc *Services) []*engine.Builtin {
	if svc == nil {
		svc = NewServices(0)
	}
	list := []*engine.Builtin{
		buildImages(svc),
		createDeployments(svc),
		waitDeployments(svc),
		purgeDeployments(svc),
		ensurePullSecrets(svc),
		startDev(svc), stopDev(svc),
		selectPod(svc), waitPod(svc), execContainer(svc),
		getFlag, getImage(svc), runPipelines, runDefaultPipeline,
		runDependencies(svc), alias("run_dependency_pipelines", runDependencies(svc)), isDependency,
		isEqual, isEmpty, isIn, isTrue, isOS, cat, sleep,
		getConfigValue(svc), xargs, runWatch,
	}
	return list
}

// funcCommand adapts a function to engine.Command for flagless builtins.
type funcCommand func(ctx context.Context, c *engine.Call, args []string) error

func (funcCommand) Flags(*pflag.FlagSet, *engine.Call) {}

func (f funcCommand) Run(ctx context.Context, c *engine.Call, args []string) error {
	return f(ctx, c, args)
}

// simple declares a flagless builtin.
func simple(name, usage, summary string, raw bool, run funcCommand) *engine.Builtin {
	return &engine.Builtin{Name: name, Usage: usage, Summary: summary, RawArgs: raw,
		New: func() engine.Command { return run }}
}
