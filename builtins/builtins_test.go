package builtins_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mvdan.cc/sh/v3/interp"

	"github.com/devspace-engine/devspace/builtins"
	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/runvars"
	"github.com/devspace-engine/devspace/testbed"
)

// project is a devspace.yaml in a temporary directory with an engine that
// has every builtin, its output captured.
type project struct {
	dir            string
	eng            *engine.Engine
	stdout, stderr *testbed.SyncBuffer
}

// newProject writes devspace.yaml with the given pipelines (name → script,
// written in name order so that every script has a known line) and extra
// top-level YAML, plus files (relative path → content).
func newProject(t *testing.T, pipelines map[string]string, extra string, files map[string]string) *project {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var y strings.Builder
	y.WriteString("version: v2beta1\nname: test\npipelines:\n")
	for _, name := range slices.Sorted(maps.Keys(pipelines)) {
		y.WriteString("  " + name + ":\n    run: |-\n")
		for _, line := range strings.Split(pipelines[name], "\n") {
			y.WriteString("      " + line + "\n")
		}
	}
	y.WriteString(extra)
	path := filepath.Join(dir, "devspace.yaml")
	if err := os.WriteFile(path, []byte(y.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(path, []byte(y.String()), config.LoadOptions{Environ: os.Environ()})
	if err != nil {
		t.Fatalf("parsing config:\n%s\n%v", y.String(), err)
	}
	p := &project{dir: dir, stdout: &testbed.SyncBuffer{}, stderr: &testbed.SyncBuffer{}}
	p.eng = engine.New(engine.Options{Config: cfg, Runtime: runvars.New(nil), Builtins: builtins.All(nil),
		Stdin: strings.NewReader(""), Stdout: p.stdout, Stderr: p.stderr})
	return p
}

// errText is what the project's pipelines wrote to stderr, with the
// project's directory left out, so a builtin's failure reads
// "devspace.yaml:LINE:COL: NAME: reason".
func (p *project) errText() string {
	return strings.ReplaceAll(p.stderr.String(), p.dir+string(filepath.Separator), "")
}

// onlyPipeline is where a one-line script of runOne starts in devspace.yaml.
const onlyPipeline = "devspace.yaml:6:7: "

func (p *project) run(ctx context.Context, pipeline string) error {
	return p.eng.RunPipeline(ctx, pipeline, engine.RunOptions{})
}

// runOne runs a project with one pipeline "p" and returns its output and
// exit status.
func runOne(t *testing.T, script, extra string, files map[string]string) (stdout, stderr string, status int) {
	t.Helper()
	p := newProject(t, map[string]string{"p": script}, extra, files)
	err := p.run(t.Context(), "p")
	return p.stdout.String(), p.errText(), exitStatus(t, err)
}

// exitStatus is the shell status of a pipeline's result; any error that is
// not a status fails the test.
func exitStatus(t *testing.T, err error) int {
	t.Helper()
	var status interp.ExitStatus
	switch {
	case err == nil:
		return 0
	case errors.As(err, &status):
		return int(status)
	}
	t.Fatalf("pipeline failed with a non-status error: %v", err)
	return -1
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
