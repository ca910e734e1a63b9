package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/devspace-engine/devspace/config"
)

// pipelineJob is one running pipeline (or script): its flags, arguments,
// caller and background pipelines.
type pipelineJob struct {
	Pipeline *config.Pipeline
	// Flags are the pipeline's own flag values (defaults, then CLI or
	// --set-flag values), as get_flag returns them.
	Flags  map[string]string
	Args   []string
	parent *pipelineJob
	// cliFlags are the invoking command's flags the run started with;
	// nil means the engine's.
	cliFlags map[string]string
	// background jobs started by run_pipelines --background; they end
	// with this job.
	background *backgroundSet
}

// ancestry lists the pipelines from the root job to this one.
func (j *pipelineJob) ancestry() []string {
	if j == nil {
		return nil
	}
	return append(j.parent.ancestry(), j.Pipeline.Name)
}

// RunOptions are the inputs of one pipeline run.
type RunOptions struct {
	Args []string
	// Flags are explicit flag values (CLI flags or --set-flag).
	Flags map[string]string
	// CLIFlags replace the engine's CLI flags for this run and the
	// pipelines it starts; nil keeps the caller's (or the engine's).
	CLIFlags map[string]string
	// Env is the environment to start from; nil means the engine's.
	Env    expand.Environ
	Dir    string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	parent *pipelineJob
}

// Pipeline returns the named pipeline: the config's, or a default one
// (build, deploy, dev, purge) when the config has none or its run is empty.
func (e *Engine) Pipeline(name string) (*config.Pipeline, error) {
	if e.config != nil {
		if p, ok := e.config.Pipelines[name]; ok && strings.TrimSpace(p.Run) != "" {
			return p, nil
		} else if ok {
			if def, ok := DefaultPipeline(name); ok {
				def.Flags = p.Flags
				return def, nil
			}
			return p, nil
		}
	}
	if def, ok := DefaultPipeline(name); ok {
		return def, nil
	}
	return nil, &UnknownPipelineError{Name: name, Known: e.PipelineNames()}
}

// PipelineNames lists the pipelines that can run: the config's and the
// defaults, sorted.
func (e *Engine) PipelineNames() []string {
	set := map[string]bool{}
	for _, n := range DefaultPipelineNames {
		set[n] = true
	}
	if e.config != nil {
		for n := range e.config.Pipelines {
			set[n] = true
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// UnknownPipelineError names a pipeline that does not exist and lists the
// ones that do.
type UnknownPipelineError struct {
	Name  string
	Known []string
}

func (e *UnknownPipelineError) Error() string {
	return fmt.Sprintf("pipeline %q not found; available pipelines: %s", e.Name, strings.Join(e.Known, ", "))
}

// RunPipeline runs a pipeline to completion.
func (e *Engine) RunPipeline(ctx context.Context, name string, opts RunOptions) error {
	p, err := e.Pipeline(name)
	if err != nil {
		return err
	}
	flags, err := ResolveFlags(p, opts.Flags)
	if err != nil {
		return fmt.Errorf("pipeline %q: %w", name, err)
	}
	return e.run(ctx, p, flags, opts)
}

// runDefaultPipeline runs a built-in pipeline inside the calling one, with
// the caller's flags, directory, environment and output.
func (e *Engine) runDefaultPipeline(ctx context.Context, c *Call, name string) error {
	p, ok := DefaultPipeline(name)
	if !ok {
		return &UnknownPipelineError{Name: name, Known: DefaultPipelineNames}
	}
	var flags map[string]string
	if c.job != nil {
		flags = c.job.Flags
	}
	return e.run(ctx, p, flags, RunOptions{Env: c.Env, Dir: c.Dir, Stdin: c.Stdin, Stdout: c.Stdout, Stderr: c.Stderr, parent: c.job})
}

func (e *Engine) run(ctx context.Context, p *config.Pipeline, flags map[string]string, opts RunOptions) error {
	job := &pipelineJob{Pipeline: p, Flags: flags, Args: opts.Args, parent: opts.parent, background: &backgroundSet{},
		cliFlags: opts.CLIFlags}
	if job.cliFlags == nil && opts.parent != nil {
		job.cliFlags = opts.parent.cliFlags
	}
	script := Script{Name: fmt.Sprintf("pipeline %q", p.Name), Text: p.Run, Source: p.Script}
	ctx, end, err := e.jobEvents(ctx, p)
	if err != nil {
		return err
	}
	err = e.runJob(ctx, job, script, !p.ContinueOnError, opts)
	end(err)
	return err
}

// RunScript runs a script that is not a pipeline (a `commands:` entry):
// builtins and functions are available, set -e is on, and get_flag sees
// the CLI flags.
func (e *Engine) RunScript(ctx context.Context, s Script, opts RunOptions) error {
	job := &pipelineJob{Pipeline: &config.Pipeline{Name: s.Name}, Args: opts.Args, background: &backgroundSet{},
		cliFlags: opts.CLIFlags}
	return e.runJob(ctx, job, s, true, opts)
}

func (e *Engine) runJob(ctx context.Context, job *pipelineJob, script Script, errexit bool, opts RunOptions) error {
	file, err := e.parse(ctx, script)
	if err != nil {
		return err
	}
	env := opts.Env
	if env == nil {
		env = e.Env()
	}
	dir := opts.Dir
	if dir == "" && e.config != nil {
		dir = e.config.Dir
	}
	params := []string{"--"}
	if errexit {
		params = []string{"-e", "--"}
	}
	r, err := interp.New(
		interp.Dir(dir),
		interp.Env(env),
		interp.StdIO(cmp.Or(opts.Stdin, e.stdin), cmp.Or(opts.Stdout, e.stdout), cmp.Or(opts.Stderr, e.stderr)),
		interp.CallHandler(e.depthLimit(script, countDepth(file))),
		interp.ExecHandlers(e.handlers(job, script)...),
		interp.ExecHandlers(e.processHandler(script)),
		interp.Params(append(params, opts.Args...)...),
	)
	if err != nil {
		return fmt.Errorf("%s: %w", script.Name, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	err = e.runScript(ctx, r, file)
	cancel() // background pipelines end with their caller
	job.background.wait()
	return err
}

// runScript runs a parsed script; `exit 0` is success.
func (e *Engine) runScript(ctx context.Context, r *interp.Runner, file *syntax.File) error {
	err := r.Run(ctx, file)
	var status interp.ExitStatus
	if errors.As(err, &status) && status == 0 {
		return nil
	}
	if err == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// exec runs one command line (args) in the caller's job: see Call.Exec.
func (e *Engine) exec(ctx context.Context, c *Call, args []string) error {
	job := &pipelineJob{Pipeline: &config.Pipeline{Name: c.Name}, Args: args, background: &backgroundSet{}}
	if c.job != nil {
		job.Pipeline, job.Flags, job.parent, job.cliFlags = c.job.Pipeline, c.job.Flags, c.job.parent, c.job.cliFlags
	}
	script := Script{Name: c.Name + " " + args[0], Text: `"$@"`}
	return e.runJob(ctx, job, script, true, RunOptions{Args: args, Env: c.Env, Dir: c.Dir,
		Stdin: c.Stdin, Stdout: c.Stdout, Stderr: c.Stderr})
}
