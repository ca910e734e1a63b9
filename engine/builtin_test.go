package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"mvdan.cc/sh/v3/interp"

	"github.com/devspace-engine/devspace/config"
)

// failing is a builtin that fails as its arguments say: `fail MESSAGE`
// returns an error, `fail --status N` a wrapped exit status N, `fail
// --quiet N` a bare one, `fail --positioned` an error of the config that
// already names its place.
type failing struct {
	status, quiet int
	positioned    bool
}

func (f *failing) Flags(fs *pflag.FlagSet, _ *Call) {
	fs.IntVar(&f.status, "status", 0, "")
	fs.IntVar(&f.quiet, "quiet", 0, "")
	fs.BoolVar(&f.positioned, "positioned", false, "")
}

func (f *failing) Run(_ context.Context, c *Call, args []string) error {
	switch {
	case f.status != 0:
		return fmt.Errorf("pipeline %q failed: %w", "x", interp.ExitStatus(f.status))
	case f.quiet != 0:
		return interp.ExitStatus(f.quiet)
	case f.positioned:
		return c.Config().ErrorAt("name", "a name the config already points at")
	}
	return errors.New(strings.Join(args, " "))
}

func TestBuiltinErrorsNameTheirCall(t *testing.T) {
	t.Parallel()
	src := `version: v2beta1
name: positions
functions:
  helper: |
    echo in helper
    fail from a function
commands:
  cmd: |
    echo in command
    fail from a command
pipelines:
  block: |
    echo start
      fail from a block
  single: echo x; fail from a line
  function: helper
  flag: fail --nope
  wrapped: fail --status 3
  quiet: fail --quiet 4
  positioned: fail --positioned
`
	dir := t.TempDir()
	cfg, err := config.Parse(filepath.Join(dir, "devspace.yaml"), []byte(src), config.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	fail := &Builtin{Name: "fail", New: func() Command { return &failing{} }}
	tests := []struct {
		run    string // a pipeline, or "command cmd"
		status int
		want   string // stderr, the file named relative to dir
	}{
		{"block", 1, "devspace.yaml:14:7: fail: from a block\n"},
		{"single", 1, "devspace.yaml:15:19: fail: from a line\n"},
		{"function", 1, "devspace.yaml:6:5: fail: from a function\n"},
		{"command cmd", 1, "devspace.yaml:10:5: fail: from a command\n"},
		{"flag", 1, "devspace.yaml:17:9: fail: unknown flag: --nope (see 'fail --help')\n"},
		// The status of a wrapped exit status is kept.
		{"wrapped", 3, "devspace.yaml:18:12: fail: pipeline \"x\" failed: exit status 3\n"},
		// A bare status stays silent.
		{"quiet", 4, ""},
		// An error that names its own place is not given a second one.
		{"positioned", 1, "fail: devspace.yaml:2:7: a name the config already points at\n" +
			"   2 | name: positions\n" +
			"     |       ^\n"},
	}
	for _, tt := range tests {
		t.Run(tt.run, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr strings.Builder
			e := New(Options{Config: cfg, Builtins: []*Builtin{fail}, Environ: []string{}, Stdout: &stdout, Stderr: &stderr})
			var err error
			if name, ok := strings.CutPrefix(tt.run, "command "); ok {
				s := Script{Name: "command " + name, Text: cfg.Commands[name].Command, Source: cfg.Commands[name].Script}
				err = e.RunScript(context.Background(), s, RunOptions{})
			} else {
				err = e.RunPipeline(context.Background(), tt.run, RunOptions{})
			}
			var status interp.ExitStatus
			if !errors.As(err, &status) || int(status) != tt.status {
				t.Errorf("err = %v, want exit status %d", err, tt.status)
			}
			got := strings.ReplaceAll(stderr.String(), filepath.Join(dir, "devspace.yaml"), "devspace.yaml")
			if got != tt.want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// A call with no place in the config file (`devspace builtin NAME`, a
// script that is not in the file) fails as "NAME: reason", as before.
func TestBuiltinErrorsWithoutAPlace(t *testing.T) {
	t.Parallel()
	fail := &Builtin{Name: "fail", New: func() Command { return &failing{} }}
	var stderr strings.Builder
	e := New(Options{Builtins: []*Builtin{fail}, Environ: []string{}, Stdout: &strings.Builder{}, Stderr: &stderr})
	call := e.NewCall("fail", t.TempDir())
	if err := e.Invoke(context.Background(), fail, call, []string{"fail", "outside"}); err != interp.ExitStatus(1) {
		t.Errorf("Invoke: err = %v, want exit status 1", err)
	}
	err := e.RunScript(context.Background(), Script{Name: "script", Text: "fail in a script"}, RunOptions{})
	if err != interp.ExitStatus(1) {
		t.Errorf("RunScript: err = %v, want exit status 1", err)
	}
	if want := "fail: outside\nfail: in a script\n"; stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
}
