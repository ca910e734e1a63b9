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
func (e *Engine) handlers(job *Job, s Script) []func(interp.ExecHandlerFunc) interp.ExecHandlerFunc {
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

func (e *Engine) dispatch(ctx context.Context, job *Job, s Script, args []string, next interp.ExecHandlerFunc) error {
	name := args[0]
	if body, ok := e.function(name); ok {
		return e.runFunction(ctx, job, name, body, args[1:])
	}
	b, ok := e.Builtins[name]
	if !ok {
		b, ok = e.Builtins[strings.TrimPrefix(name, "__")]
	}
	if ok {
		hc := interp.HandlerCtx(ctx)
		call := &Call{Name: b.Name, Dir: hc.Dir, Env: hc.Env, Stdin: hc.Stdin, Stdout: hc.Stdout, Stderr: hc.Stderr, Engine: e, Job: job,
			site: callSite{script: s, pos: hc.Pos}}
		args = append([]string{b.Name}, args[1:]...)
		return e.Invoke(ctx, b, call, args)
	}
	if name == "devspace" && e.Executable != "" {
		args = append([]string{e.Executable}, args[1:]...)
	}
	return next(ctx, args)
}

func (e *Engine) function(name string) (string, bool) {
	if e.Config == nil {
		return "", false
	}
	body, ok := e.Config.Functions[name]
	return body, ok
}

// runFunction runs a config function as its own script with set -e, the
// caller's cwd, environment and stdio, and args as $1….
func (e *Engine) runFunction(ctx context.Context, job *Job, name, body string, args []string) error {
	hc := interp.HandlerCtx(ctx)
	s := Script{Name: fmt.Sprintf("function %q", name), Text: body}
	if e.Config != nil {
		s.Source = e.Config.ScriptAt("functions." + name)
	}
	file, err := e.parse(s)
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
