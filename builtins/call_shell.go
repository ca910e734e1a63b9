package builtins

import (
	"context"
	"io"

	"mvdan.cc/sh/v3/interp"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
)

// callShell runs commands for a core as the calling script would: in its
// job, environment and, unless told otherwise, directory and output.
type callShell struct{ c *engine.Call }

func (s callShell) Exec(ctx context.Context, dir string, out io.Writer, args []string) error {
	call := *s.c
	if dir != "" {
		call.Dir = dir
	}
	if out != nil {
		call.Stdout, call.Stderr = out, out
	}
	return call.Exec(ctx, args)
}

func (s callShell) Script(ctx context.Context, name, text string, source config.ScriptSource, dir string, out io.Writer) error {
	script := engine.Script{Name: name, Text: text, Source: source}
	return s.c.RunScript(ctx, script, engine.RunOptions{Env: s.c.Env, Dir: dir, Stdout: out, Stderr: out})
}

func (s callShell) LookPath(name string) error {
	_, err := interp.LookPathDir(s.c.Dir, s.c.Env, name)
	return err
}
