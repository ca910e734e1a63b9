package main

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/devspace-engine/devspace/testbed"
)

// TestExamples runs every pipeline of every project in examples/pipelines,
// each in a copy of the project, against the test bed's Docker Engine and
// registry, so that the examples cannot rot. A project with deployments
// runs its pipelines one after the other in a namespace of its own on
// the test bed's cluster, then `devspace purge`.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/pipelines/*/devspace.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	env := testbed.Docker(t)
	for _, file := range files {
		src := filepath.Dir(file)
		project := readExample(t, file)
		if project.deploys {
			t.Run(filepath.Base(src), func(t *testing.T) {
				t.Parallel()
				runDeployExample(t, env, src, project.pipelines)
			})
			continue
		}
		for _, name := range project.pipelines {
			t.Run(filepath.Base(src)+"/"+name, func(t *testing.T) {
				t.Parallel()
				dir := copyDir(t, src)
				out := runExample(t, dir, []string{"KUBECONFIG=" + filepath.Join(t.TempDir(), "none"),
					"DOCKER_HOST=" + env.Host, "REGISTRY=" + env.Registry}, pipelineCommand(name)...)
				checkExampleOutput(t, filepath.Base(src)+"/"+name, out)
			})
		}
	}
}

// runDeployExample runs the pipelines of a project that deploys, then
// purges, in a fresh namespace that is deleted afterwards.
func runDeployExample(t *testing.T, env *testbed.DockerEnv, src string, pipelines []string) {
	kenv := testbed.Kube(t)
	dyn := dynamicClient(t, kenv.Kubeconfig)
	ns := fmt.Sprintf("example-%08x", rand.Uint32())
	t.Cleanup(func() { deleteNamespace(dyn, ns) })
	dir := copyDir(t, src)
	environ := []string{"KUBECONFIG=" + kenv.Kubeconfig, "DOCKER_HOST=" + env.Host, "REGISTRY=" + env.Registry,
		// The in-cluster example's builder images: the test bed's own.
		"KANIKO_IMAGE=" + kenv.KanikoImage, "BUILDKIT_IMAGE=" + kenv.BuildKitImage}
	for _, name := range pipelines {
		runExample(t, dir, environ, "run-pipeline", name, "-n", ns)
	}
	runExample(t, dir, environ, "purge", "-n", ns)
}

// pipelineCommand is how a user runs the pipeline: `devspace deploy` for
// deploy (the command examples document), run-pipeline for the others.
func pipelineCommand(name string) []string {
	if name == "deploy" {
		return []string{"deploy"}
	}
	return []string{"run-pipeline", name}
}

// exampleOutput holds lines that some examples' pipelines must print,
// each anywhere in the output (pipelines running at once interleave).
var exampleOutput = map[string][]string{
	"microservices/deploy": {
		"[api] api 2026.12 deployed as a dependency",
		"[worker] worker consumes queue orders",
		"[frontend] frontend 2026.12 deployed after the api",
		"release 2026.12 deployed",
	},
	"microservices/deploy-in-order": {
		"[api] api 2026.12 deployed as a dependency",
		"[frontend] frontend 2026.12 deployed after the api",
		"[worker] worker consumes queue orders",
		"release 2026.12 deployed, one service at a time",
	},
}

func checkExampleOutput(t *testing.T, name, out string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	for _, want := range exampleOutput[name] {
		if !slices.Contains(lines, want) {
			t.Errorf("%s: no line %q in its output:\n%s", name, want, out)
		}
	}
}

func runExample(t *testing.T, dir string, environ []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "devspace"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), environ...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("devspace %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
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

type example struct {
	pipelines []string
	deploys   bool
}

func readExample(t *testing.T, file string) example {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Pipelines   map[string]any `yaml:"pipelines"`
		Deployments map[string]any `yaml:"deployments"`
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
	return example{pipelines: names, deploys: len(cfg.Deployments) > 0}
}
