package builtins

import (
	"context"
	"errors"
	"io"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/dependency"
	"github.com/devspace-engine/devspace/engine"
)

func runDependencies(svc *Services) *engine.Builtin {
	return &engine.Builtin{
		Name:    "run_dependencies",
		Usage:   "run_dependencies [--all [--except DEPENDENCY]... | DEPENDENCY...] [--pipeline NAME] [--sequential] [--set-flag NAME=VALUE]...",
		Summary: "Run a pipeline in each dependency (its own directory, config and state): concurrently by default, each project once per run.",
		New:     func() engine.Command { return &runDependenciesCmd{svc: svc} },
	}
}

type runDependenciesCmd struct {
	svc        *Services
	all        bool
	except     []string
	pipeline   string
	sequential bool
	setFlags   []string
}

func (r *runDependenciesCmd) Flags(fs *pflag.FlagSet, c *engine.Call) {
	fs.BoolVar(&r.all, "all", false, "run every dependency (except --except)")
	fs.StringSliceVar(&r.except, "except", nil, "with --all, skip this dependency (repeatable)")
	fs.StringVar(&r.pipeline, "pipeline", "", "the pipeline to run (default: the dependency's pipeline, else deploy)")
	fs.BoolVar(&r.sequential, "sequential", cliBool(cliFlag(c, "sequential-dependencies")), "run the dependencies one after another (default: --sequential-dependencies)")
	fs.StringArrayVar(&r.setFlags, "set-flag", nil, "set a flag of the dependencies' pipelines (NAME=VALUE, repeatable)")
}

func (r *runDependenciesCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	flags, err := engine.ParseSetFlags(r.setFlags)
	if err != nil {
		return err
	}
	var names []string
	for _, a := range args {
		if a != "" {
			names = append(names, a)
		}
	}
	if r.svc.Dependencies == nil {
		if r.all && len(names) == 0 && (c.Config() == nil || len(c.Config().Dependencies) == 0) {
			return nil // nothing to run (a run without a config)
		}
		return errors.New("dependencies need a devspace.yaml: run this in a pipeline")
	}
	if err := emitAll(ctx, c, "before:deployDependencies", "before:buildDependencies", "before:renderDependencies", "before:purgeDependencies"); err != nil {
		return err
	}
	err = r.svc.Dependencies.Run(ctx, dependency.Request{
		Names: names, All: r.all, Except: r.except,
		Only: fields(cliFlag(c, "dependency")), Skip: fields(cliFlag(c, "skip-dependency")),
		Pipeline: r.pipeline, Sequential: r.sequential, Flags: flags,
		Log: c.Stderr, Stdin: c.Stdin, ContinueOnError: c.ContinueOnError(), Emit: c.Events().Emit,
		Output: func(name string) (io.Writer, io.Writer, func()) {
			out, errOut := c.Labelled(name)
			return out, errOut, func() { _ = out.Flush(); _ = errOut.Flush() }
		},
	})
	if err != nil {
		return err
	}
	return emitAll(ctx, c, "after:deployDependencies", "after:buildDependencies", "after:renderDependencies", "after:purgeDependencies")
}

// cliFlag is a flag's value as the call sees it (repeatable flags are
// space-joined).
func cliFlag(c *engine.Call, name string) string {
	v, _ := c.Flag(name)
	return v
}

var isDependency = simple("is_dependency", "is_dependency",
	"Succeed when the pipeline runs as a dependency (started by run_dependencies); fail silently otherwise.", false,
	func(ctx context.Context, _ *engine.Call, args []string) error {
		return truth(len(args) == 0 && dependency.IsDependency(ctx))
	})

// alias is b under another name (run_dependency_pipelines).
func alias(name string, b *engine.Builtin) *engine.Builtin {
	a := *b
	a.Name = name
	return &a
}
