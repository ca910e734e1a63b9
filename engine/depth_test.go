package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/runvars"
)

// runPipeline loads src as devspace.yaml and runs its pipeline "p",
// failing the test (by stopping the binary) unless it ends within d.
func runPipeline(t *testing.T, d time.Duration, src string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Parse(filepath.Join(dir, "devspace.yaml"), []byte(src), config.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	e := engine.New(engine.Options{Config: cfg, Runtime: runvars.New(nil), Stdout: &out, Stderr: &out, Environ: []string{}})
	done := make(chan error, 1)
	go func() { done <- e.RunPipeline(context.Background(), "p", engine.RunOptions{Dir: dir}) }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(d):
		panic(fmt.Sprintf("%s: the pipeline did not end within %v", t.Name(), d))
	}
}

func TestEndlessRecursionHitsTheDepthLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{"shell function", `version: v2beta1
pipelines:
  p:
    run: |-
      echo start
      f() { f; }
      f
`, `devspace.yaml:6:13: function "f": calls nested more than 1000 deep`},
		{"mutual recursion with an argument", `version: v2beta1
pipelines:
  p:
    run: |-
      ping() { pong "$1"; }
      pong() { ping "$1"; }
      ping x | cat
`, `devspace.yaml:6:16: function "ping": calls nested more than 1000 deep`},
		{"config function", `version: v2beta1
functions:
  f: f
pipelines:
  p: f
`, `devspace.yaml:3:6: function "f": calls nested more than 1000 deep`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			out, err := runPipeline(t, 20*time.Second, tt.src)
			t.Logf("failed after %v", time.Since(start).Round(time.Millisecond))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want %q\noutput: %s", err, tt.want, out)
			}
		})
	}
}

func TestDeepButFiniteRecursionRuns(t *testing.T) {
	t.Parallel()
	out, err := runPipeline(t, 20*time.Second, fmt.Sprintf(`version: v2beta1
pipelines:
  p:
    run: |-
      countdown() {
        if [ "$1" -gt 0 ]; then countdown $(($1 - 1)); else echo bottom; fi
      }
      countdown %d
      countdown 3
      echo done
`, engine.MaxCallDepth-1))
	if err != nil {
		t.Fatalf("RunPipeline: %v\n%s", err, out)
	}
	if want := "bottom\nbottom\ndone\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
}
