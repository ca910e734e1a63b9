package engine

import (
	"context"
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/interp"
)

// handlers returns the exec middleware for a job running s: config
// functions first, then builtins (also reachable as __NAME when a function
// shadows them), then `devspace` itself, then PATH.
func (e *Engine) handlers(job *pipelineJob, s Script) []func(interp.ExecHandlerFunc) interp.ExecHandlerFunc {
	return []func(interp.ExecHandlerFunc) interp.ExecHandlerFunc{
		func(next interp.ExecHandlerFunc) interp.ExecHandlerFunc {
			return func(ctx context.Context, args []string) error {
				if ctx.Err() != nil {
					return interp.ExitStatus(255)
				}
				return e.dispatch(ctx, job, s, args, next)
			}
		},
	}
}

func (e *Engine) dispatch(ctx context.Context, job *pipelineJob, s Script, args []string, next interp.ExecHandlerFunc) error {
	name := args[0]
	if body, ok := e.function(name); ok {
		return e.runFunction(ctx, job, name, body, args[1:])
	}
	if b, ok := e.lookupBuiltin(name); ok {
		hc := interp.HandlerCtx(ctx)
		call := &Call{Name: b.Name, Dir: hc.Dir, Env: hc.Env, Stdin: hc.Stdin, Stdout: hc.Stdout, Stderr: hc.Stderr, job: job,
			engine: e, site: callSite{script: s, pos: hc.Pos}}
		args = append([]string{b.Name}, args[1:]...)
		return e.Invoke(ctx, b, call, args)
	}
	if name == "devspace" && e.executable != "" {
		args = append([]string{e.executable}, args[1:]...)
	}
	return next(ctx, args)
}

// lookupBuiltin returns the builtin NAME or __NAME runs (the second reaches
// a builtin that a config function shadows).
func (e *Engine) lookupBuiltin(name string) (*Builtin, bool) {
	b, ok := e.builtins[name]
	if !ok {
		b, ok = e.builtins[strings.TrimPrefix(name, "__")]
	}
	return b, ok
}

func (e *Engine) function(name string) (string, bool) {
	if e.config == nil {
		return "", false
	}
	body, ok := e.config.Functions[name]
	return body, ok
}

// runFunction runs a config function as its own script with set -e, the
// caller's cwd, environment and stdio, and args as $1….
func (e *Engine) runFunction(ctx context.Context, job *pipelineJob, name, body string, args []string) error {
	hc := interp.HandlerCtx(ctx)
	s := Script{Name: fmt.Sprintf("function %q", name), Text: body}
	if e.config != nil {
		s.Source = e.config.ScriptAt("functions." + name)
	}
	file, err := e.parse(ctx, s)
	if err != nil {
		fmt.Fprintln(hc.Stderr, err)
		return interp.ExitStatus(2)
	}
	r, err := interp.New(
		interp.Dir(hc.Dir),
		interp.Env(withDepth(hc.Env, callDepth(ctx)+1)),
		interp.StdIO(hc.Stdin, hc.Stdout, hc.Stderr),
		interp.CallHandler(e.depthLimit(s, countDepth(file))),
		interp.ExecHandlers(e.handlers(job, s)...),
		interp.ExecHandlers(e.processHandler(s)),
		interp.Params(append([]string{"-e", "--"}, args...)...),
	)
	if err != nil {
		return fmt.Errorf("function %q: %w", name, err)
	}
	return e.runScript(ctx, r, file)
}
