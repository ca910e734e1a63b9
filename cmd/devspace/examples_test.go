package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/devspace-engine/devspace/testbed"
)

// TestExamples runs every pipeline of every project in examples/pipelines,
// each in a copy of the project, against the test bed's Docker Engine and
// registry, so that the examples cannot rot.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/pipelines/*/devspace.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	env := testbed.Docker(t)
	for _, file := range files {
		src := filepath.Dir(file)
		for _, name := range pipelineNames(t, file) {
			t.Run(filepath.Base(src)+"/"+name, func(t *testing.T) {
				t.Parallel()
				dir := copyDir(t, src)
				cmd := exec.Command(filepath.Join(binDir, "devspace"), "run-pipeline", name)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(t.TempDir(), "none"),
					"DOCKER_HOST="+env.Host, "REGISTRY="+env.Registry)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("devspace run-pipeline %s in %s: %v\n%s", name, src, err, out)
				}
			})
		}
	}
}

// copyDir copies an example (without its build outputs) to a temp dir.
func copyDir(t *testing.T, src string) string {
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && (d.Name() == ".devspace" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
	return dst
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
		if !strings.HasPrefix(n, "_") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}
