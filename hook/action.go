package hook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/runvars"
)

// errNoContainerRunner fails a container hook in a run that cannot reach
// containers.
var errNoContainerRunner = errors.New("this hook acts in a container, and this run has no connection to containers (hooks with `container:` are not available here)")

// run performs one hook: its output goes to the run's output (not when
// silent) and, for a named hook, into runtime.hooks.NAME.stdout/stderr.
func (r *Runner) run(ctx context.Context, e entry, event string, data map[string]string) error {
	var stdout, stderr bytes.Buffer
	outW, errW := io.Writer(&stdout), io.Writer(&stderr)
	var shown []*engine.PrefixWriter
	if !e.hook.Silent {
		o := engine.NewPrefixWriter(&r.outMu, r.opts.Stdout, "")
		w := engine.NewPrefixWriter(&r.outMu, r.opts.Stderr, "")
		shown = append(shown, o, w)
		outW, errW = io.MultiWriter(&stdout, o), io.MultiWriter(&stderr, w)
	}
	err := r.act(ctx, e, event, data, lockedWriter(outW), lockedWriter(errW))
	for _, w := range shown {
		_ = w.Flush()
	}
	if e.hook.Name != "" && r.opts.Runtime != nil {
		r.opts.Runtime.Set("hooks."+e.hook.Name+".stdout", strings.TrimSpace(stdout.String()))
		r.opts.Runtime.Set("hooks."+e.hook.Name+".stderr", strings.TrimSpace(stderr.String()))
	}
	if err == nil {
		return nil
	}
	msg := err.Error()
	if out := strings.TrimSpace(stdout.String() + stderr.String()); e.hook.Silent && out != "" {
		msg += "; its output:\n" + out
	}
	return &Error{Pos: r.pos(e), Name: displayName(e.hook), Event: event, Msg: msg, Err: err}
}

// Error is a failed hook: which one, where it is written, on which event.
type Error struct {
	Pos   config.Pos
	Name  string
	Event string
	Msg   string
	Err   error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: hook '%s' at %s failed: %s", e.Pos, e.Name, e.Event, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

func (r *Runner) pos(e entry) config.Pos {
	if r.opts.Config == nil {
		return config.Pos{File: "devspace.yaml"}
	}
	pos, _ := r.opts.Config.Pos(e.path)
	return pos
}

// act dispatches a hook to its action.
func (r *Runner) act(ctx context.Context, e entry, event string, data map[string]string, stdout, stderr io.Writer) error {
	h := e.hook
	if h.Container == nil {
		return r.local(ctx, e, event, data, stdout, stderr)
	}
	c := r.opts.Container
	if c == nil {
		return errNoContainerRunner
	}
	switch {
	case h.Upload != nil:
		return c.Upload(ctx, h)
	case h.Download != nil:
		return c.Download(ctx, h)
	case h.Logs != nil:
		return c.Logs(ctx, h, stdout)
	case h.Wait != nil:
		return c.Wait(ctx, h)
	}
	command, err := r.containerCommand(h)
	if err != nil {
		return err
	}
	return c.Exec(ctx, h, command, stdout, stderr)
}

// local runs a hook's command with the project's shell, in the config's
// directory: with `args`, each argument is one word in which runtime
// variables, $VARS and $(…) are expanded (as in double quotes); without,
// the command is a script. DEVSPACE_HOOK_EVENT and DEVSPACE_HOOK_<KEY>
// (the event's data) are set, as in DevSpace.
func (r *Runner) local(ctx context.Context, e entry, event string, data map[string]string, stdout, stderr io.Writer) error {
	if r.shell == nil {
		return errors.New("no shell to run hooks in")
	}
	h := e.hook
	text := h.Command
	for _, a := range h.Args {
		text += " " + doubleQuote(a)
	}
	script := engine.Script{Name: fmt.Sprintf("hook '%s'", displayName(h)), Text: text}
	if r.opts.Config != nil {
		script.Source = r.opts.Config.ScriptAt(e.path + ".command")
	}
	env := hookEnv(event, data)
	if cfg := r.opts.Config; cfg != nil {
		// The cluster the run talks to, as DevSpace tells its hooks.
		for key, v := range map[string]string{"KUBE_CONTEXT": "DEVSPACE_CONTEXT", "KUBE_NAMESPACE": "DEVSPACE_NAMESPACE"} {
			if val := cfg.Variables[v]; val != "" {
				env = append(env, "DEVSPACE_HOOK_"+key+"="+val)
			}
		}
	}
	return r.shell.RunScript(ctx, script, engine.RunOptions{
		Env:   r.shell.Env(env...),
		Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr,
	})
}

// hookEnv is the environment DevSpace gives hooks besides the script's.
func hookEnv(event string, data map[string]string) []string {
	args, _ := json.Marshal(os.Args)
	env := []string{"DEVSPACE_HOOK_EVENT=" + event, "DEVSPACE_HOOK_OS_ARGS=" + string(args)}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, "DEVSPACE_HOOK_"+strings.ToUpper(k)+"="+data[k])
	}
	return env
}

// containerCommand is what a container hook executes: command and args
// with runtime variables resolved here; without args, the command is run
// by the container's sh.
func (r *Runner) containerCommand(h *config.Hook) ([]string, error) {
	lookup := func(key string) (string, error) {
		if r.opts.Runtime == nil {
			return "", fmt.Errorf("no runtime variables here")
		}
		return r.opts.Runtime.Lookup(key)
	}
	words := append([]string{h.Command}, h.Args...)
	for i, w := range words {
		v, err := runvars.Expand(w, lookup)
		if err != nil {
			return nil, err
		}
		words[i] = v
	}
	if len(h.Args) == 0 {
		return []string{"sh", "-c", words[0]}, nil
	}
	return words, nil
}

// doubleQuote makes s one shell word that still expands $… and $(…).
func doubleQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`")
	return `"` + r.Replace(s) + `"`
}

// lockedWriter serialises writes to w: a hook's stdout and stderr may be
// written by two processes at once, and both feed the same buffers.
func lockedWriter(w io.Writer) io.Writer { return &locked{w: w} }

type locked struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *locked) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
