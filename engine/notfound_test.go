package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/interp"

	"github.com/devspace-engine/devspace/config"
)

func TestCommandNotFoundNamesTheCallAndTheBuiltinMeant(t *testing.T) {
	t.Parallel()
	src := `version: v2beta1
name: typo
functions:
  greet_all: echo hi
pipelines:
  builtin: |-
    echo start
    build_imagez --all
  function: echo x && greet_al
  far: no_such_tool_here
  real: build_imagex
`
	dir := t.TempDir()
	cfg, err := config.Parse(filepath.Join(dir, "devspace.yaml"), []byte(src), config.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	// A program in PATH runs, however close its name is to a builtin's.
	if err := os.WriteFile(filepath.Join(dir, "build_imagex"), []byte("#!/bin/sh\necho real\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	noop := &Builtin{Name: "build_images", New: func() Command { return nil }}
	tests := []struct {
		pipeline string
		status   int
		want     string // stderr, the file named relative to dir
	}{
		{"real", 0, ""},
		{"builtin", 127, `devspace.yaml:8:5: build_imagez: command not found
   8 |     build_imagez --all
     |     ^
did you mean build_images?
`},
		{"function", 127, `devspace.yaml:9:23: greet_al: command not found
   9 |   function: echo x && greet_al
     |                       ^
did you mean greet_all?
`},
		{"far", 127, `devspace.yaml:10:8: no_such_tool_here: command not found
  10 |   far: no_such_tool_here
     |        ^
`},
	}
	for _, tt := range tests {
		t.Run(tt.pipeline, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr strings.Builder
			e := New(Options{Config: cfg, Builtins: []*Builtin{noop}, Environ: []string{"PATH=" + dir}, Stdout: &stdout, Stderr: &stderr})
			err := e.RunPipeline(context.Background(), tt.pipeline, RunOptions{})
			var status interp.ExitStatus
			if errors.As(err, &status) != (tt.status != 0) || int(status) != tt.status {
				t.Errorf("err = %v, want exit status %d", err, tt.status)
			}
			got := strings.ReplaceAll(stderr.String(), filepath.Join(dir, "devspace.yaml"), "devspace.yaml")
			if got != tt.want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
