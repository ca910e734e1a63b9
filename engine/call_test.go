package engine_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
	"mvdan.cc/sh/v3/interp"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
)

// callFunc is a builtin made of one function; it takes its arguments raw.
type callFunc func(ctx context.Context, c *engine.Call, args []string) error

func (callFunc) Flags(*pflag.FlagSet, *engine.Call) {}

func (f callFunc) Run(ctx context.Context, c *engine.Call, args []string) error {
	return f(ctx, c, args)
}

func builtin(name string, f callFunc) *engine.Builtin {
	return &engine.Builtin{Name: name, RawArgs: true, New: func() engine.Command { return f }}
}

// flagBuiltins print a flag as get_flag would (`flag NAME`) and run it
// again through each of the Call's ways to run more: a nested pipeline, a
// script (as a custom build does) and a command line (as xargs does).
func flagBuiltins() []*engine.Builtin {
	flag := builtin("flag", func(_ context.Context, c *engine.Call, args []string) error {
		v, ok := c.Flag(args[0])
		if !ok {
			v = "<unset>"
		}
		_, err := fmt.Fprintln(c.Stdout, v)
		return err
	})
	nested := builtin("nested", func(ctx context.Context, c *engine.Call, args []string) error {
		switch args[0] {
		case "pipeline":
			return c.RunPipelines(ctx, engine.PipelinesOptions{Names: args[1:]})
		case "script":
			s := engine.Script{Name: "nested script", Text: "flag " + args[1]}
			return c.RunScript(ctx, s, engine.RunOptions{Env: c.Env, Dir: c.Dir, Stdout: c.Stdout, Stderr: c.Stderr})
		case "exec":
			return c.Exec(ctx, append([]string{"flag"}, args[1:]...))
		}
		return fmt.Errorf("nested %q: unknown", args[0])
	})
	return []*engine.Builtin{flag, nested}
}

func parseConfig(t *testing.T, src string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Parse(filepath.Join(dir, "devspace.yaml"), []byte(src), config.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// A run's CLI flags (run-pipeline's, which it knows only after the config
// loaded) reach every call the run makes, however deep; without them the
// engine's apply.
func TestCLIFlagsTravelWithTheRun(t *testing.T) {
	t.Parallel()
	cfg := parseConfig(t, `version: v2beta1
name: flags
pipelines:
  p:
    run: |-
      flag tag
      nested pipeline q
      nested script tag
      nested exec tag
  q:
    run: flag tag
`)
	tests := []struct {
		name string
		run  map[string]string
		want string
	}{
		{"run's flags", map[string]string{"tag": "run"}, "run\nrun\nrun\nrun\n"},
		{"engine's flags", nil, "engine\nengine\nengine\nengine\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut strings.Builder
			e := engine.New(engine.Options{Config: cfg, Builtins: flagBuiltins(), Environ: []string{},
				CLIFlags: map[string]string{"tag": "engine"}, Stdout: &out, Stderr: &errOut})
			if err := e.RunPipeline(t.Context(), "p", engine.RunOptions{CLIFlags: tt.run}); err != nil {
				t.Fatalf("run: %v\n%s", err, errOut.String())
			}
			if out.String() != tt.want {
				t.Errorf("output = %q, want %q", out.String(), tt.want)
			}
		})
	}
}

// events records what builtins emit.
type events struct {
	mu   sync.Mutex
	got  []string
	fail error
}

func (ev *events) Emit(_ context.Context, name string, data map[string]string) error {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	ev.got = append(ev.got, name+" by="+data["by"])
	return ev.fail
}

func emitBuiltin() *engine.Builtin {
	return builtin("emit", func(ctx context.Context, c *engine.Call, args []string) error {
		return c.Events().Emit(ctx, args[0], map[string]string{"by": c.Name})
	})
}

// Builtins emit events to the engine's sink; an engine given none drops
// them, and a sink's error fails the builtin that emitted.
func TestEventsReachTheSink(t *testing.T) {
	t.Parallel()
	script := engine.Script{Name: "s", Text: "emit after:build:app\nemit after:deploy"}
	run := func(sink engine.Events) (string, error) {
		var errOut strings.Builder
		opts := engine.Options{Builtins: []*engine.Builtin{emitBuiltin()}, Environ: []string{}, Stderr: &errOut, Events: sink}
		err := engine.New(opts).RunScript(t.Context(), script, engine.RunOptions{})
		return errOut.String(), err
	}

	sink := &events{}
	if stderr, err := run(sink); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	if diff := cmp.Diff([]string{"after:build:app by=emit", "after:deploy by=emit"}, sink.got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	if stderr, err := run(nil); err != nil {
		t.Errorf("without a sink: %v\n%s", err, stderr)
	}

	failing := &events{fail: errors.New("hook failed")}
	stderr, err := run(failing)
	if err != interp.ExitStatus(1) || stderr != "emit: hook failed\n" {
		t.Errorf("failing sink: err = %v, stderr = %q; want exit status 1 and %q", err, stderr, "emit: hook failed\n")
	}
	if want := []string{"after:build:app by=emit", "error:builtin:emit by="}; !slices.Equal(failing.got, want) {
		t.Errorf("failing sink got %v, want the first event only (set -e), and the report of its failure", failing.got)
	}
}
