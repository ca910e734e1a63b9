package main

import (
	"context"
	"encoding/json"
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
	"time"

	"github.com/goccy/go-yaml"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"github.com/devspace-engine/devspace/testbed"
)

// TestExamples runs every pipeline of every project in examples/pipelines,
// each in a copy of the project, against the test bed's Docker Engine and
// registry, so that the examples cannot rot. A project with deployments
// (or whose dependencies have some, see exampleDeployments) runs its
// pipelines one after the other in a namespace of its own on the test
// bed's cluster, then `devspace purge`.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/pipelines/*/devspace.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	env := testbed.Docker(t)
	for _, file := range files {
		src := filepath.Dir(file)
		project := readExample(t, file)
		if project.deploys || exampleDeployments[filepath.Base(src)] != nil {
			t.Run(filepath.Base(src), func(t *testing.T) {
				t.Parallel()
				runDeployExample(t, env, src, project)
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

// runDeployExample runs the pipelines of a project that deploys as a user
// would (`devspace deploy -n NS`, `devspace run-pipeline NAME -n NS`), in a
// fresh namespace that is deleted afterwards, checks that the deployments
// listed in exampleDeployments became ready, then runs `devspace purge`
// and checks that it removed them.
func runDeployExample(t *testing.T, env *testbed.DockerEnv, src string, project example) {
	kenv := testbed.Kube(t)
	dyn := dynamicClient(t, kenv.Kubeconfig)
	ns := fmt.Sprintf("example-%08x", rand.Uint32())
	t.Cleanup(func() { deleteNamespace(dyn, ns) })
	dir := copyDir(t, src)
	cache := t.TempDir()
	environ := []string{"KUBECONFIG=" + kenv.Kubeconfig, "DOCKER_HOST=" + env.Host, "REGISTRY=" + env.Registry,
		// The in-cluster example's builder images: the test bed's own.
		"KANIKO_IMAGE=" + kenv.KanikoImage, "BUILDKIT_IMAGE=" + kenv.BuildKitImage,
		// Images FROM busybox: the test bed's, as nothing can be pulled.
		"BASE_IMAGE=" + env.Busybox(t),
		// Git sources are cloned into a cache of the test's own.
		"XDG_CACHE_HOME=" + cache}
	example := filepath.Base(src)
	for _, name := range project.pipelines {
		if name == "purge" {
			continue // `devspace purge` below runs it
		}
		args := append(pipelineCommand(name), "-n", ns)
		checkExampleOutput(t, example+"/"+name, runExample(t, dir, environ, args...))
	}
	if clones, _ := filepath.Glob(filepath.Join(cache, "devspace", "git", "*", "repo")); len(clones) != project.gitSources {
		t.Errorf("%d git sources cloned into the cache, want the example's %d: %q", len(clones), project.gitSources, clones)
	}
	deployments := dyn.Resource(kinds["deployment"]).Namespace(ns)
	for _, name := range exampleDeployments[example] {
		waitRolledOut(t, deployments, name)
	}
	runExample(t, dir, environ, "purge", "-n", ns)
	for _, name := range exampleDeployments[example] {
		if _, err := deployments.Get(context.Background(), name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("deployment %s is still in %s after devspace purge (error %v)", name, ns, err)
		}
	}
}

// exampleDeployments names the Deployments some examples make (their
// dependencies' included), which must be ready after their pipelines ran.
var exampleDeployments = map[string][]string{
	"deploy":        {"web"},
	"microservices": {"api", "frontend", "worker"},
}

// waitRolledOut waits (90 s at most) until Deployment name, which must
// exist, has all its replicas updated and available.
func waitRolledOut(t *testing.T, deployments dynamic.ResourceInterface, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for {
		d, err := deployments.Get(ctx, name, metav1.GetOptions{})
		if err == nil && rolledOut(d) {
			return
		}
		if apierrors.IsNotFound(err) { // the pipelines are done: it never will be
			t.Fatalf("deployment %s was not created", name)
		}
		select {
		case <-ctx.Done():
			if err != nil {
				t.Fatalf("deployment %s: %v", name, err)
			}
			status, _ := json.MarshalIndent(d.Object["status"], "", "  ")
			t.Fatalf("deployment %s was not ready within 90 s; status:\n%s", name, status)
		case <-time.After(300 * time.Millisecond):
		}
	}
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
		"published worker/ to .devspace/repos/worker.git",
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
		info, err := d.Info()
		if err != nil {
			return err
		}
		// Modes kept: a script in an image must stay executable.
		return os.WriteFile(filepath.Join(dst, rel), data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
	return dst
}

type example struct {
	pipelines []string
	deploys   bool
	// gitSources counts its dependencies from git.
	gitSources int
}

func readExample(t *testing.T, file string) example {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Pipelines    map[string]any `yaml:"pipelines"`
		Deployments  map[string]any `yaml:"deployments"`
		Dependencies map[string]struct {
			Git string `yaml:"git"`
		} `yaml:"dependencies"`
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
	git := 0
	for _, d := range cfg.Dependencies {
		if d.Git != "" {
			git++
		}
	}
	return example{pipelines: names, deploys: len(cfg.Deployments) > 0, gitSources: git}
}
