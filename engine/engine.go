// Package engine runs pipeline scripts. It is the one adapter around the
// embedded POSIX shell (mvdan.cc/sh/v3): it parses `run:` blocks with
// positions that point into devspace.yaml, gives scripts a live view of
// runtime variables, dispatches commands to config functions, builtins and
// PATH (in that order), runs pipelines and sub-pipelines with their flags,
// and owns every process a script starts.
//
// The engine knows nothing of Docker or Kubernetes: builtins that need them
// are registered by the caller.
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

// Engine runs the pipelines of one loaded config.
type Engine struct {
	Config   *config.Config
	Runtime  *runvars.Store
	Builtins map[string]*Builtin
	// Environ is the process environment (KEY=VALUE) scripts start from.
	Environ []string
	// CLIFlags are the invoking command's flags as get_flag sees them
	// (slices space-joined, bools as true/false). Pipeline flags win.
	CLIFlags map[string]string
	Stdin    io.Reader
	Stdout   io.Writer
	Stderr   io.Writer
	// Debug prints every builtin call with its arguments to Stderr.
	Debug bool
	// Secrets are the run's secret values; builtins mask them where they
	// write or store anything the engine's writers do not carry (build
	// logs, build inputs). Nil means none.
	Secrets *redact.Set
	// Silent asks builtins to print only errors (their logs still go to
	// their log files).
	Silent bool
	// Executable is the path `devspace` resolves to inside scripts.
	Executable string
	// TmpDir is DEVSPACE_TMPDIR. The config made it if the file mentions
	// it; the engine makes it before starting a program, which inherits
	// it. Nil when the run has none.
	TmpDir *lifecycle.TempDir

	names    nameTable
	outMu    sync.Mutex          // guards outLocks
	outLocks map[any]*sync.Mutex // one lock per destination writer
}

// New returns an engine for cfg with the given builtins.
func New(cfg *config.Config, store *runvars.Store, builtins []*Builtin) *Engine {
	e := &Engine{
		Config:   cfg,
		Runtime:  store,
		Builtins: map[string]*Builtin{},
		Environ:  os.Environ(),
		CLIFlags: map[string]string{},
		Stdin:    os.Stdin,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
	}
	for _, b := range builtins {
		e.Builtins[b.Name] = b
	}
	if exe, err := os.Executable(); err == nil {
		e.Executable = exe
	}
	return e
}
