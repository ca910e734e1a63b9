// Package engine runs pipeline scripts. It is the one adapter around the
// embedded POSIX shell (mvdan.cc/sh/v3): it parses `run:` blocks with
// positions that point into devspace.yaml, gives scripts a live view of
// runtime variables, dispatches commands to config functions, builtins and
// PATH (in that order), runs pipelines and sub-pipelines with their flags,
// and owns every process a script starts.
//
// The engine knows nothing of Docker or Kubernetes: builtins that need them
// are registered by the caller. Builtins see the engine only through their
// Call's methods (config, runtime store, flags, output, nested runs, events).
package engine

import (
	"io"
	"os"
	"sync"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/lifecycle"
	"github.com/devspace-engine/devspace/redact"
	"github.com/devspace-engine/devspace/runvars"
)

// Options are everything an engine runs with. The engine never changes
// them after New.
type Options struct {
	// Config is the loaded config; nil runs scripts without one.
	Config *config.Config
	// Runtime is the store of runtime variables (${runtime.images.app.tag}).
	Runtime  *runvars.Store
	Builtins []*Builtin
	// Environ is the process environment (KEY=VALUE) scripts start from;
	// nil means os.Environ().
	Environ []string
	// CLIFlags are the invoking command's flags as get_flag sees them
	// (slices space-joined, bools as true/false). Pipeline flags win; a
	// run may replace them (RunOptions.CLIFlags).
	CLIFlags map[string]string
	// Stdin, Stdout and Stderr default to the process's.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Debug prints every builtin call with its arguments to Stderr.
	Debug bool
	// Secrets are the run's secret values; builtins mask them where they
	// write or store anything the engine's writers do not carry (build
	// logs, build inputs). Nil means none.
	Secrets *redact.Set
	// Silent asks builtins to print only errors (their logs still go to
	// their log files).
	Silent bool
	// Executable is the path `devspace` resolves to inside scripts; empty
	// means this process's executable.
	Executable string
	// TmpDir is DEVSPACE_TMPDIR. The config made it if the file mentions
	// it; the engine makes it before starting a program, which inherits
	// it. Nil when the run has none.
	TmpDir *lifecycle.TempDir
	// Events receives what builtins report for hooks; nil discards it.
	Events Events
}

// Engine runs the pipelines of one loaded config. It is complete when New
// returns; nothing in it changes afterwards except its output locks.
type Engine struct {
	config     *config.Config
	runtime    *runvars.Store
	builtins   map[string]*Builtin
	environ    []string
	cliFlags   map[string]string
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
	debug      bool
	secrets    *redact.Set
	silent     bool
	executable string
	tmpDir     *lifecycle.TempDir
	events     Events

	names    nameTable
	outMu    sync.Mutex          // guards outLocks
	outLocks map[any]*sync.Mutex // one lock per destination writer
}

// New returns an engine running with opts.
func New(opts Options) *Engine {
	e := &Engine{
		config:     opts.Config,
		runtime:    opts.Runtime,
		builtins:   make(map[string]*Builtin, len(opts.Builtins)),
		environ:    opts.Environ,
		cliFlags:   opts.CLIFlags,
		stdin:      opts.Stdin,
		stdout:     opts.Stdout,
		stderr:     opts.Stderr,
		debug:      opts.Debug,
		secrets:    opts.Secrets,
		silent:     opts.Silent,
		executable: opts.Executable,
		tmpDir:     opts.TmpDir,
		events:     opts.Events,
	}
	for _, b := range opts.Builtins {
		e.builtins[b.Name] = b
	}
	if e.environ == nil {
		e.environ = os.Environ()
	}
	if e.cliFlags == nil {
		e.cliFlags = map[string]string{}
	}
	if e.stdin == nil {
		e.stdin = os.Stdin
	}
	if e.stdout == nil {
		e.stdout = os.Stdout
	}
	if e.stderr == nil {
		e.stderr = os.Stderr
	}
	if e.executable == "" {
		if exe, err := os.Executable(); err == nil {
			e.executable = exe
		}
	}
	if e.events == nil {
		e.events = noEvents{}
	}
	return e
}

// Builtin returns the builtin registered under name.
func (e *Engine) Builtin(name string) (*Builtin, bool) {
	b, ok := e.builtins[name]
	return b, ok
}
