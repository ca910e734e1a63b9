package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/interp"

	"github.com/devspace-engine/devspace/builtins"
	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/dependency"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/hook"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/lifecycle"
	"github.com/devspace-engine/devspace/prompt"
	"github.com/devspace-engine/devspace/redact"
	"github.com/devspace-engine/devspace/runvars"
)

// session is one loaded config with its engine and temp directory.
type session struct {
	// stdio is the command's streams, masking the config's secret values
	// when it has any (see maskedIO).
	stdio IO
	masks []*redact.Writer
	svc   *builtins.Services
	cfg   *config.Config
	eng   *engine.Engine
	// root is the project in the tree of dependencies; its CLI flags are
	// what its dependencies inherit.
	root   *dependency.Project
	tmpDir *lifecycle.TempDir
	// hooks runs the root project's hooks (the command events); every
	// engine of the run has its own runner, all in runners.
	hooks     *hook.Runner
	runnersMu sync.Mutex
	runners   []*hook.Runner
}

// openSession loads the config named by the flags and builds the engine.
// Close must be called to remove the run's temp directory. Cancelling ctx
// ends the variables' commands.
func openSession(ctx context.Context, flags *flagValues, stdio IO) (*session, error) {
	return openObservedSession(ctx, flags, stdio, nil)
}

// openObservedSession is openSession with every engine's events (the
// dependencies' too) also going to observer (`devspace ui`), when set.
func openObservedSession(ctx context.Context, flags *flagValues, stdio IO, observer engine.Events) (*session, error) {
	tmpDir := lifecycle.NewTempDir() // made on first use
	s := &session{tmpDir: tmpDir, stdio: stdio}
	if stdio.secrets == nil {
		stdio.secrets = &redact.Set{}
	}
	environ := os.Environ()
	if kc := flags.str("kubeconfig"); kc != "" {
		environ = append(environ, "KUBECONFIG="+kc)
	}
	opts := config.LoadOptions{
		File:                     flags.str("config"),
		Environ:                  environ,
		Vars:                     flags.list("var"),
		Profiles:                 flags.list("profile"),
		DisableProfileActivation: flags.boolean("disable-profile-activation"),
		Namespace:                flags.str("namespace"),
		KubeContext:              flags.str("kube-context"),
		Version:                  Version,
		Args:                     os.Args[1:],
		TmpDir:                   tmpDir,
		Context:                  ctx,
		Stderr:                   stdio.Stderr,
		Secrets:                  stdio.secrets,
	}
	if engine.IsTerminal(stdio.Stdin) {
		opts.Prompt = prompter(ctx, stdio)
		opts.Terminal = true
	}
	cfg, err := loadChecked(opts)
	if err != nil {
		s.Close()
		return nil, err
	}
	// The env file's entries reach scripts, and dependencies' configs.
	environ, opts.Environ = cfg.Environ, cfg.Environ
	if name := flags.str("override-name"); name != "" {
		cfg.Name = name
	}
	s.cfg = cfg
	s.maskIO(stdio)
	maxBuilds, _ := strconv.Atoi(flags.str("max-concurrent-builds"))
	s.svc = builtins.NewServices(maxBuilds)
	store := runtimeStore(cfg)
	newEngine := func(cfg *config.Config, store *runvars.Store, cliFlags map[string]string, stdin io.Reader, stdout, stderr io.Writer) *engine.Engine {
		hookOut := stdout
		if flags.boolean("render") {
			hookOut = stderr // stdout is the manifests
		}
		hooks := s.hookRunner(cfg, store, hookOut, stderr, flags.boolean("silent"))
		eng := engine.New(engine.Options{
			Config:   cfg,
			Runtime:  store,
			Builtins: builtins.All(s.svc),
			Environ:  environ,
			CLIFlags: cliFlags,
			Stdin:    stdin,
			Stdout:   stdout,
			Stderr:   stderr,
			Debug:    flags.boolean("debug"),
			Secrets:  stdio.secrets,
			Silent:   flags.boolean("silent"),
			TmpDir:   tmpDir,
			Events:   observed(hooks, observer),
		})
		hooks.SetShell(eng)
		hooks.SetContainers(s.svc.HookContainers(eng, cfg.Dir, store, stderr))
		return eng
	}
	s.eng = newEngine(cfg, store, flags.values, s.stdio.Stdin, s.stdio.Stdout, s.stdio.Stderr)
	s.hooks = s.runners[0]
	s.root = &dependency.Project{Name: cfg.Name, Config: cfg, Runtime: store, CLIFlags: flags.values}
	s.svc.Dependencies = dependency.NewRunner(s.root, dependency.Options{
		Load: func(ctx context.Context, req dependency.LoadRequest) (*config.Config, error) {
			o := opts
			o.Context, o.Dir, o.File = ctx, req.Dir, req.ConfigFile()
			o.Vars, o.Profiles, o.DisableProfileActivation = req.Vars, req.Profiles, req.DisableProfileActivation
			o.Namespace = req.Namespace
			return loadChecked(o)
		},
		Runtime: runtimeStore,
		CLIVars: opts.Vars,
		Context: ctx,
		Run: func(ctx context.Context, p *dependency.Project, req dependency.PipelineRequest) error {
			eng := newEngine(p.Config, p.Runtime, p.CLIFlags, req.Stdin, req.Stdout, req.Stderr)
			return eng.RunPipeline(ctx, req.Pipeline, engine.RunOptions{Flags: req.Flags})
		},
	})
	return s, nil
}

// loadChecked loads a config and checks its hooks.
func loadChecked(opts config.LoadOptions) (*config.Config, error) {
	cfg, err := config.Load(opts)
	if err != nil {
		return nil, err
	}
	if err := hook.Check(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// hookRunner returns the runner of a project's hooks for one engine,
// remembered so that Close ends its background hooks.
func (s *session) hookRunner(cfg *config.Config, store *runvars.Store, stdout, stderr io.Writer, silent bool) *hook.Runner {
	r := hook.New(hook.Options{Config: cfg, Runtime: store, GOOS: goruntime.GOOS, Stdout: stdout, Stderr: stderr, Quiet: silent})
	s.runnersMu.Lock()
	defer s.runnersMu.Unlock()
	s.runners = append(s.runners, r)
	return r
}

// runtimeStore is a project's store of runtime variables.
func runtimeStore(cfg *config.Config) *runvars.Store {
	return runvars.NewLazy(func() map[string]runvars.Image { return imageDefaults(cfg) })
}

// maskIO makes the session's output streams mask the config's secret
// values: everything a run prints (script and builtin output, --debug,
// errors) passes them. Without secrets the streams stay as they are, so
// children keep writing to the terminal or file directly.
func (s *session) maskIO(stdio IO) {
	if stdio.secrets.Len() == 0 {
		return
	}
	mask := func(w io.Writer) io.Writer {
		m := stdio.secrets.Writer(w)
		m.Interactive = engine.IsTerminal(w)
		s.masks = append(s.masks, m)
		return m
	}
	s.stdio.Stdout, s.stdio.Stderr = mask(stdio.Stdout), mask(stdio.Stderr)
}

// Close flushes the masked output and removes the temp directory
// (DEVSPACE_TMPDIR).
func (s *session) Close() {
	s.runnersMu.Lock()
	runners := s.runners
	s.runnersMu.Unlock()
	for _, r := range runners {
		r.Close() // before the temp directory goes: its processes may use it
	}
	for _, m := range s.masks {
		_ = m.Flush()
	}
	if s.svc != nil {
		s.svc.Close()
	}
	s.tmpDir.Remove()
}

// imageDefaults is what runtime variables resolve to before anything is
// built in this process: the last build recorded in the cache (so a later
// CI step's `devspace builtin get_image app` sees it), else the configured
// image and its first tag, with DevSpace's `#` placeholders shown as x.
func imageDefaults(cfg *config.Config) map[string]runvars.Image {
	out := make(map[string]runvars.Image, len(cfg.Images))
	var records map[string]imagebuild.ImageRecord
	if len(cfg.Images) > 0 {
		records = imagebuild.ReadRecords(cfg.Path)
	}
	for name, img := range cfg.Images {
		if rec, ok := records[name]; ok && (rec.Image == img.Image || rec.Configured == img.Image) {
			out[name] = rec.RuntimeImage()
			continue
		}
		ri := runvars.Image{Image: img.Image}
		if len(img.Tags) > 0 {
			ri.Tag = strings.ReplaceAll(img.Tags[0], "#", "x")
		}
		out[name] = ri
	}
	return out
}

// prompter asks for a variable's value on the terminal (stdin), drawing
// the question on stderr. One question at a time: dependencies load side
// by side, and may each have some.
func prompter(ctx context.Context, stdio IO) func(v *config.Var) (string, error) {
	var asking sync.Mutex
	return func(v *config.Var) (string, error) {
		asking.Lock()
		defer asking.Unlock()
		q := prompt.Question{Text: v.Question, Options: v.Options, Password: v.Password, Check: v.CheckAnswer}
		if q.Text == "" {
			q.Text = fmt.Sprintf("Please enter a value for %s", v.Name)
		}
		if v.Default != nil {
			q.Default = fmt.Sprint(v.Default)
		}
		in, ok := stdio.Stdin.(*os.File)
		if !ok {
			return "", fmt.Errorf("no terminal to ask on")
		}
		answer, err := prompt.Ask(ctx, in, stdio.Stderr, q)
		if errors.Is(err, prompt.ErrAborted) { // Ctrl-C at the question: as at a prompt of the shell
			return "", &exitError{code: 130, msg: fmt.Sprintf("cancelled at the question for %s", v.Name)}
		}
		return answer, err
	}
}

// exitError carries a process exit code.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }
func (e *exitError) ExitCode() int { return e.code }

// scriptResult turns a script's error into the CLI's: the script's own
// exit status is kept (`exit 7` exits 7).
func scriptResult(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	var status interp.ExitStatus
	if errors.As(err, &status) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &exitError{code: int(status), msg: fmt.Sprintf("%s exited with status %d", what, status)}
	}
	return err
}
