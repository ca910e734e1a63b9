package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/term"
	"mvdan.cc/sh/v3/interp"

	"github.com/devspace-engine/devspace/lifecycle"
)

// KillGrace is how long a process gets between SIGTERM and SIGKILL when
// its script is cancelled.
const KillGrace = 2 * time.Second

// processHandler runs programs from PATH. Each program gets its own
// process group (unless it must share the terminal), so that cancelling
// the script terminates the program and everything it started: SIGTERM to
// the group, then SIGKILL after KillGrace. The program is recorded in the
// lifecycle registry, so a second Ctrl-C kills it before devspace exits.
// A command that is nowhere is reported at its place in s.
func (e *Engine) processHandler(s Script) func(interp.ExecHandlerFunc) interp.ExecHandlerFunc {
	return func(interp.ExecHandlerFunc) interp.ExecHandlerFunc {
		return func(ctx context.Context, args []string) error {
			hc := interp.HandlerCtx(ctx)
			path, err := interp.LookPathDir(hc.Dir, hc.Env, args[0])
			if err != nil {
				fmt.Fprintln(hc.Stderr, e.notFound(s, hc.Pos, args[0], err))
				return interp.ExitStatus(127)
			}
			return e.runProcess(ctx, path, args)
		}
	}
}

func (e *Engine) runProcess(ctx context.Context, path string, args []string) error {
	hc := interp.HandlerCtx(ctx)
	// The program inherits DEVSPACE_TMPDIR: it must exist by now.
	if _, err := e.tmpDir.Ensure(); err != nil {
		fmt.Fprintln(hc.Stderr, err)
		return interp.ExitStatus(127)
	}
	cmd := &exec.Cmd{Path: path, Args: args, Env: execEnv(hc.Env), Dir: hc.Dir,
		Stdin: hc.Stdin, Stdout: ChildWriter(hc.Stdout), Stderr: ChildWriter(hc.Stderr)}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: !IsTerminal(hc.Stdin)}
	err := lifecycle.Run(ctx, cmd, KillGrace)
	if cmd.Process == nil { // it did not start
		fmt.Fprintln(hc.Stderr, err)
		return interp.ExitStatus(127)
	}
	return exitStatus(ctx, err)
}

func exitStatus(ctx context.Context, err error) error {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return err
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		if ctx.Err() != nil {
			return interp.ExitStatus(255)
		}
		return interp.ExitStatus(128 + int(ws.Signal()))
	}
	return interp.ExitStatus(exit.ExitCode())
}

// IsTerminal reports whether r is a terminal (seeing through a
// CheckedWriter).
func IsTerminal(r any) bool {
	if cw, ok := r.(*CheckedWriter); ok {
		r = cw.dest
	}
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
