// Package lifecycle keeps the one registry of what a devspace process
// leaves on the machine while it works: the child processes (their
// process groups) that it started, its temp files and directories. Every
// way out of devspace — a normal exit, an error, a signal, a second Ctrl-C
// that does not wait for the pipeline to unwind — calls Abort, which kills
// what is still running and removes what is still on disk.
package lifecycle

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ErrExiting is returned by Start once Abort has run: the process is on
// its way out and must not leave a new child behind.
var ErrExiting = errors.New("devspace is exiting: no new process is started")

var registry struct {
	// gate is held shared while something is being started or made, and
	// exclusively by Abort, which so never misses a child or a directory
	// that was on its way at that moment. It guards exiting.
	gate    sync.RWMutex
	exiting bool

	mu    sync.Mutex // guards procs and temps
	procs map[*exec.Cmd]struct{}
	temps map[string]struct{} // temp files and directories
}

// Start starts cmd and records it until Wait. A cmd whose SysProcAttr sets
// Setpgid is recorded as a process group, which Abort kills as a whole.
func Start(cmd *exec.Cmd) error {
	registry.gate.RLock()
	defer registry.gate.RUnlock()
	if registry.exiting {
		return ErrExiting
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.procs == nil {
		registry.procs = map[*exec.Cmd]struct{}{}
	}
	registry.procs[cmd] = struct{}{}
	return nil
}

// Wait waits for a cmd started by Start and forgets it.
func Wait(cmd *exec.Cmd) error {
	err := cmd.Wait()
	registry.mu.Lock()
	delete(registry.procs, cmd)
	registry.mu.Unlock()
	return err
}

// Run starts cmd, waits for it, and ends it when ctx is cancelled first:
// SIGTERM to the process (its group when cmd sets Setpgid), then SIGKILL
// if it is still there after grace. After a cancelled group's leader
// exits, the rest of its group is killed too.
func Run(ctx context.Context, cmd *exec.Cmd, grace time.Duration) error {
	if err := Start(cmd); err != nil {
		return err
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() { // owned by this call: it ends before Run returns
		defer close(stopped)
		select {
		case <-ctx.Done():
			terminate(cmd, grace, done)
		case <-done:
		}
	}()
	err := Wait(cmd)
	close(done)
	<-stopped
	return err
}

// terminate sends SIGTERM to cmd's process (group), then SIGKILL if it is
// still there after grace.
func terminate(cmd *exec.Cmd, grace time.Duration, done <-chan struct{}) {
	target := killTarget(cmd)
	_ = syscall.Kill(target, syscall.SIGTERM)
	select {
	case <-done:
		if target < 0 { // the leader exited; make sure its group did too
			_ = syscall.Kill(target, syscall.SIGKILL)
		}
	case <-time.After(grace):
		if isSelf(cmd) {
			// A devspace run by a script is busy ending what it started:
			// a second signal has it abort (kill those, remove its temp
			// dir) rather than be killed before it could.
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGINT)
			select {
			case <-done:
			case <-time.After(nestedGrace):
			}
		}
		_ = syscall.Kill(target, syscall.SIGKILL)
	}
}

// self is this program's path, to recognise a nested devspace.
var self = sync.OnceValue(func() string {
	exe, _ := os.Executable()
	return exe
})

// isSelf reports whether cmd runs devspace itself (a script's `devspace …`).
func isSelf(cmd *exec.Cmd) bool {
	return self() != "" && cmd.Path == self()
}

// killTarget is the pid that kill(2) takes to reach cmd: its negated pid
// (the whole group) when cmd leads its own process group.
func killTarget(cmd *exec.Cmd) int {
	if attr := cmd.SysProcAttr; attr != nil && attr.Setpgid && attr.Pgid == 0 {
		return -cmd.Process.Pid
	}
	return cmd.Process.Pid
}

// Abort kills every child process (group) still running with SIGKILL and
// removes every temp file and directory still on disk. After it, Start
// refuses new children. It is what the process does last, on every exit
// path.
func Abort() {
	registry.gate.Lock()
	defer registry.gate.Unlock()
	registry.exiting = true
	registry.mu.Lock()
	defer registry.mu.Unlock()
	stopNested(registry.procs)
	for cmd := range registry.procs {
		_ = syscall.Kill(killTarget(cmd), syscall.SIGKILL)
	}
	for path := range registry.temps {
		_ = os.RemoveAll(path)
	}
	registry.temps = nil
}

// nestedGrace bounds how long Abort waits for a nested devspace to kill
// its own children and remove its own temp dir; it needs milliseconds.
const nestedGrace = 500 * time.Millisecond

// stopNested asks every devspace among procs (a script that runs
// `devspace …`) to abort as this process does, and waits for them, up to
// nestedGrace. SIGKILL alone would leave what they started (in process
// groups of their own) and their temp dirs behind. INT then TERM: two
// distinct signals, which the kernel does not merge, are a second signal
// whether or not it had its first.
func stopNested(procs map[*exec.Cmd]struct{}) {
	var nested []int
	for cmd := range procs {
		if isSelf(cmd) {
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGINT)
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
			nested = append(nested, cmd.Process.Pid)
		}
	}
	deadline := time.Now().Add(nestedGrace)
	for len(nested) > 0 && time.Now().Before(deadline) {
		if exited(nested[0]) {
			nested = nested[1:]
			continue
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// exited reports whether a child has exited: it is gone, or a zombie
// waiting for its Wait.
func exited(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return syscall.Kill(pid, 0) != nil // no /proc: gone once reaped
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// TrackTemp records a temp file (or directory) that Abort removes if it is
// still there: one written beside its destination, to be renamed over it
// (a state file, a build log), which cannot live in the run's TempDir.
func TrackTemp(path string) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.temps == nil {
		registry.temps = map[string]struct{}{}
	}
	registry.temps[path] = struct{}{}
}

// UntrackTemp forgets a temp path: it was renamed into place or removed.
func UntrackTemp(path string) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	delete(registry.temps, path)
}
