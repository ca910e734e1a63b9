// Package hook runs the `hooks:` of devspace.yaml when the cores report
// events (before:build:app, after:deploy, devCommand:error, …). It is the
// engine's event sink (engine.Events): the engine and the cores only name
// events; which hooks run, how, and what a failure means is decided here.
//
// A hook's action is a local command run by the engine's shell, or an
// action in a container (exec, upload, download, logs, wait), which goes to
// a ContainerRunner so that this package stays free of Kubernetes.
package hook

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/expand"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/runvars"
)

// Shell runs a hook's command: the engine of the hook's project.
type Shell interface {
	RunScript(ctx context.Context, s engine.Script, opts engine.RunOptions) error
	Env(extra ...string) expand.Environ
}

// ContainerRunner performs the actions of hooks with `container:`.
type ContainerRunner interface {
	Exec(ctx context.Context, h *config.Hook, command []string, stdout, stderr io.Writer) error
	Upload(ctx context.Context, h *config.Hook) error
	Download(ctx context.Context, h *config.Hook) error
	Logs(ctx context.Context, h *config.Hook, out io.Writer) error
	Wait(ctx context.Context, h *config.Hook) error
}

// Options are what a Runner works with.
type Options struct {
	Config  *config.Config
	Runtime *runvars.Store
	// Container performs container actions; nil fails them, saying so.
	Container ContainerRunner
	// GOOS is the system `os:` filters compare with.
	GOOS string
	// Stdout receives the hooks' output; Stderr their errors, the
	// "Execute hook" lines and the warnings.
	Stdout, Stderr io.Writer
	// Quiet leaves out the "Execute hook" lines (--silent).
	Quiet bool
}

// Runner runs a config's hooks on the events emitted to it. It is safe
// for concurrent use (parallel builds and deployments emit at once).
type Runner struct {
	opts  Options
	shell Shell
	hooks []entry
	outMu sync.Mutex // keeps the lines of concurrent hooks whole

	bgMu     sync.Mutex
	bgWait   sync.WaitGroup
	bgCancel []context.CancelFunc
	closed   bool
}

// entry is one enabled hook of this system and where it is in the file.
type entry struct {
	hook *config.Hook
	path string // "hooks[2]"
}

// New returns the Runner of opts.Config's hooks (its checked ones: see
// Check). Named hooks' runtime variables exist from the start, empty, so
// a script that reads them parses before the hook ran.
func New(opts Options) *Runner {
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	r := &Runner{opts: opts}
	if opts.Config == nil {
		return r
	}
	for i, h := range opts.Config.Hooks {
		if h == nil || h.Disabled || !forOS(h.OS, opts.GOOS) {
			continue
		}
		r.hooks = append(r.hooks, entry{hook: h, path: fmt.Sprintf("hooks[%d]", i)})
		if h.Name != "" && opts.Runtime != nil {
			opts.Runtime.Set("hooks."+h.Name+".stdout", "")
			opts.Runtime.Set("hooks."+h.Name+".stderr", "")
		}
	}
	return r
}

// SetShell gives the Runner the engine that runs its commands (the engine
// is made with the Runner as its event sink, so it comes second).
func (r *Runner) SetShell(s Shell) { r.shell = s }

// SetContainers gives the Runner what performs container actions, when it
// needs the engine too (its cluster connection follows the engine's
// flags). Call it before the first event.
func (r *Runner) SetContainers(c ContainerRunner) { r.opts.Container = c }

// Emit runs the hooks of event in order and returns the first failure,
// which fails the step that emitted it. Hooks on error and interrupt
// events, and background hooks, only warn.
func (r *Runner) Emit(ctx context.Context, event string, data map[string]string) error {
	err := r.emit(ctx, event, data)
	if err != nil && warnOnly(event) {
		r.warn(err)
		return nil
	}
	return err
}

// EmitWarn runs the hooks of event and only warns when one fails: the
// step they follow failed already.
func (r *Runner) EmitWarn(ctx context.Context, event string, data map[string]string) {
	if err := r.emit(ctx, event, data); err != nil {
		r.warn(err)
	}
}

func (r *Runner) emit(ctx context.Context, event string, data map[string]string) error {
	if len(r.hooks) == 0 {
		return nil
	}
	for _, name := range candidates(event) {
		for _, e := range r.hooks {
			if !slices.Contains(e.hook.Events, name) {
				continue
			}
			if err := r.start(ctx, e, event, data); err != nil {
				return err
			}
		}
	}
	return nil
}

// start runs one hook, or starts it in the background.
func (r *Runner) start(ctx context.Context, e entry, event string, data map[string]string) error {
	if !e.hook.Background {
		r.say("Execute hook '%s' at %s\n", displayName(e.hook), event)
		return r.run(ctx, e, event, data)
	}
	r.bgMu.Lock()
	defer r.bgMu.Unlock()
	if r.closed {
		return nil // the run is over
	}
	r.say("Execute hook '%s' in background at %s\n", displayName(e.hook), event)
	bgCtx, cancel := context.WithCancel(ctx)
	r.bgCancel = append(r.bgCancel, cancel)
	r.bgWait.Add(1)
	go func() { // owned by the Runner: Close cancels and waits for it
		defer r.bgWait.Done()
		defer cancel()
		if err := r.run(bgCtx, e, event, data); err != nil && bgCtx.Err() == nil {
			r.warn(fmt.Errorf("in background: %w", err))
		}
	}()
	return nil
}

// Close ends the background hooks still running (their processes too)
// and waits for them. Events emitted afterwards start none.
func (r *Runner) Close() {
	r.bgMu.Lock()
	r.closed = true
	cancels := r.bgCancel
	r.bgCancel = nil
	r.bgMu.Unlock()
	for _, cancel := range cancels {
		cancel()
	}
	r.bgWait.Wait()
}

func (r *Runner) say(format string, args ...any) {
	if r.opts.Quiet {
		return
	}
	r.outMu.Lock()
	defer r.outMu.Unlock()
	fmt.Fprintf(r.opts.Stderr, format, args...)
}

func (r *Runner) warn(err error) {
	r.outMu.Lock()
	defer r.outMu.Unlock()
	fmt.Fprintf(r.opts.Stderr, "warning: %v\n", err)
}

// forOS applies a hook's `os:` filter: a comma-separated list of GOOS
// values; empty means every system.
func forOS(filter, goos string) bool {
	if strings.TrimSpace(filter) == "" {
		return true
	}
	for _, s := range strings.Split(filter, ",") {
		if strings.TrimSpace(s) == goos {
			return true
		}
	}
	return false
}

// displayName is how messages name a hook: its name, else its command's
// first line, else what it does.
func displayName(h *config.Hook) string {
	if h.Name != "" {
		return h.Name
	}
	if h.Command != "" {
		line := strings.TrimSpace(h.Command + " " + strings.Join(h.Args, " "))
		if first, _, cut := strings.Cut(line, "\n"); cut {
			return first + "..."
		}
		return line
	}
	switch {
	case h.Upload != nil:
		return "upload " + h.Upload.LocalPath
	case h.Download != nil:
		return "download " + h.Download.ContainerPath
	case h.Logs != nil:
		return "logs"
	case h.Wait != nil:
		return "wait"
	}
	return "hook"
}
