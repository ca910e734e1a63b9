package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/goccy/go-yaml"
)

// TestExamples runs every pipeline of every project in examples/pipelines,
// so that the examples cannot rot.
func TestExamples(t *testing.T) {
	dirs, err := filepath.Glob("../../examples/pipelines/*/devspace.yaml")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	for _, file := range dirs {
		dir := filepath.Dir(file)
		for _, name := range pipelineNames(t, file) {
			t.Run(filepath.Base(dir)+"/"+name, func(t *testing.T) {
				t.Parallel()
				cmd := exec.Command(filepath.Join(binDir, "devspace"), "run-pipeline", name)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(t.TempDir(), "none"))
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("devspace run-pipeline %s in %s: %v\n%s", name, dir, err, out)
				}
			})
		}
	}
}

func pipelineNames(t *testing.T, file string) []string {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Pipelines map[string]any `yaml:"pipelines"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var names []string
	for n := range cfg.Pipelines {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
