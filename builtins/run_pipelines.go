package builtins

import (
	"context"
	"errors"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/engine"
)

var runPipelines = &engine.Builtin{
	Name:    "run_pipelines",
	Usage:   "run_pipelines [--sequential | --background] [--set-flag NAME=VALUE]... PIPELINE...",
	Summary: "Run pipelines: concurrently by default, the first failure cancelling the others.",
	New:     func() engine.Command { return &runPipelinesCmd{} },
}

type runPipelinesCmd struct {
	sequential, background bool
	setFlags               []string
}

func (r *runPipelinesCmd) Flags(fs *pflag.FlagSet, _ *engine.Call) {
	fs.BoolVar(&r.sequential, "sequential", false, "run the pipelines one after another")
	fs.BoolVar(&r.background, "background", false, "start the pipelines and return; they end with the calling pipeline")
	fs.StringArrayVar(&r.setFlags, "set-flag", nil, "set a flag of the pipelines (NAME=VALUE, repeatable)")
}

func (r *runPipelinesCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	var names []string
	for _, a := range args {
		if a != "" {
			names = append(names, a)
		}
	}
	if len(names) == 0 {
		return errors.New("no pipeline to run specified")
	}
	flags, err := engine.ParseSetFlags(r.setFlags)
	if err != nil {
		return err
	}
	return c.RunPipelines(ctx, engine.PipelinesOptions{
		Names: names, Sequential: r.sequential, Background: r.background, Flags: flags})
}
