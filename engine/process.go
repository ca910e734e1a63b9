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
)

// KillGrace is how long a process gets between SIGTERM and SIGKILL when
// its script is cancelled.
const KillGrace = 2 * time.Second

// processHandler runs programs from PATH. Each program gets its own
// process group (unless it must share the terminal), so that cancelling
// the script terminates the program and everything it started: SIGTERM to
// the group, then SIGKILL after KillGrace.
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
			return runProcess(ctx, path, args)
		}
	}
}

func runProcess(ctx context.Context, path string, args []string) error {
	hc := interp.HandlerCtx(ctx)
	cmd := &exec.Cmd{Path: path, Args: args, Env: execEnv(hc.Env), Dir: hc.Dir,
		Stdin: hc.Stdin, Stdout: hc.Stdout, Stderr: hc.Stderr}
	ownGroup := !IsTerminal(hc.Stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: ownGroup}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(hc.Stderr, err)
		return interp.ExitStatus(127)
	}
	done := make(chan struct{})
	go func() { // owned by this call: it ends when the process does
		select {
		case <-ctx.Done():
			terminate(cmd.Process.Pid, ownGroup, done)
		case <-done:
		}
	}()
	err := cmd.Wait()
	close(done)
	return exitStatus(ctx, err)
}

// terminate sends SIGTERM to the process (group), then SIGKILL if it is
// still there after KillGrace.
func terminate(pid int, group bool, done <-chan struct{}) {
	target := pid
	if group {
		target = -pid
	}
	_ = syscall.Kill(target, syscall.SIGTERM)
	select {
	case <-done:
		if group { // the leader exited; make sure its group did too
			_ = syscall.Kill(target, syscall.SIGKILL)
		}
	case <-time.After(KillGrace):
		_ = syscall.Kill(target, syscall.SIGKILL)
	}
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

// IsTerminal reports whether r is a terminal.
func IsTerminal(r any) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
