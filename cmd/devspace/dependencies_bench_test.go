package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkResolveDependencies times `devspace run-pipeline hello` (one
// process, start-up included) in a project that declares a tree of 20
// `path:` dependencies (4 services, each with 4 of its own) against the
// same project without them, and reports the added median wall time
// (goal: ≤ 50 ms). Dependencies load when a pipeline first needs them,
// so it also reports what resolving and running the whole tree adds: a
// pipeline that runs every dependency's `deploy` (an echo), over the
// same hello.
func BenchmarkResolveDependencies(b *testing.B) {
	hello := "  hello: echo hello\n"
	plain := b.TempDir()
	write(b, filepath.Join(plain, "devspace.yaml"), "version: v2beta1\nname: bench\npipelines:\n"+hello)
	tree := b.TempDir()
	writeDependencyTree(b, tree, "bench", 2, 4, hello+"  all: run_dependencies --all\n")

	env := append(os.Environ(), "KUBECONFIG="+filepath.Join(plain, "none"))
	bin := filepath.Join(binDir, "devspace")
	checkTreeRuns(b, tree, env, bin, 20)
	var base, declared, resolved []time.Duration
	for b.Loop() {
		base = append(base, run(b, plain, env, bin, "run-pipeline", "hello"))
		declared = append(declared, run(b, tree, env, bin, "run-pipeline", "hello"))
		resolved = append(resolved, run(b, tree, env, bin, "run-pipeline", "all"))
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	m := median(base)
	b.ReportMetric(ms(m), "hello-ms")
	b.ReportMetric(ms(median(declared)-m), "added-ms")
	b.ReportMetric(ms(median(resolved)-m), "tree-run-added-ms")
}

// checkTreeRuns fails unless the root's `all` pipeline runs want
// dependencies, so that the figure cannot come from a tree that stopped
// early.
func checkTreeRuns(b *testing.B, dir string, env []string, bin string, want int) {
	cmd := exec.Command(bin, "run-pipeline", "all")
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("run-pipeline all: %v\n%s", err, out)
	}
	if got := strings.Count(strings.TrimSpace(string(out)), "\n") + 1; got != want {
		b.Fatalf("run-pipeline all printed %d lines, want one per dependency (%d):\n%s", got, want, out)
	}
}

// writeDependencyTree writes a project in dir whose devspace.yaml has
// `fanout` path dependencies, each a project of the same shape, `depth`
// levels deep; every dependency's deploy pipeline runs its own
// dependencies, then echoes its name. pipelines are the root's.
func writeDependencyTree(b *testing.B, dir, name string, depth, fanout int, pipelines string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "version: v2beta1\nname: %s\npipelines:\n%s", name, pipelines)
	if depth == 0 {
		write(b, filepath.Join(dir, "devspace.yaml"), cfg.String())
		return
	}
	cfg.WriteString("dependencies:\n")
	for i := range fanout {
		dep := fmt.Sprintf("%s-%d", name, i)
		fmt.Fprintf(&cfg, "  %s:\n    path: %s\n", dep, dep)
		deploy := "  deploy: echo " + dep + "\n"
		if depth > 1 {
			deploy = "  deploy: |\n    run_dependencies --all\n    echo " + dep + "\n"
		}
		writeDependencyTree(b, filepath.Join(dir, dep), dep, depth-1, fanout, deploy)
	}
	write(b, filepath.Join(dir, "devspace.yaml"), cfg.String())
}
