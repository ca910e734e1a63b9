package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/devspace-engine/devspace/testbed"
)

// BenchmarkFreshCheckoutSkip times `devspace run-pipeline build` on a
// fresh checkout of 8 images that another machine already built and
// pushed under their key-derived tags: no .devspace/ (so every context
// file is hashed, without a memo) and no local image. Each run hashes,
// asks the test bed's registry for the 8 tags in one concurrent round,
// builds nothing and writes the record. Target: median ≤ 300 ms
// (DevSpace v6 rebuilds all 8). Sub-benchmarks by context size. The
// median CPU time (user+sys) is reported too: on a machine shared with
// other work the wall time says more about the others.
func BenchmarkFreshCheckoutSkip(b *testing.B) {
	env := testbed.Docker(b)
	bySize(b, []contextSize{{100, 1 << 10}, {2000, 10 << 10}}, func(b *testing.B, size contextSize) {
		benchFreshCheckout(b, env, size.files, size.bytes)
	})
}

func benchFreshCheckout(b *testing.B, env *testbed.DockerEnv, files, size int) {
	dir := b.TempDir()
	writeBigProject(b, dir, 8, files, size, func(int) string { return "scratch" })
	// New repositories in the registry, which outlives the benchmark.
	repo := fmt.Sprintf("%s/bench-fresh-%016x", env.Registry, rand.Uint64())
	cfgPath := filepath.Join(dir, "devspace.yaml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		b.Fatal(err)
	}
	cfg = []byte(strings.ReplaceAll(string(cfg), "image: bench/", "image: "+repo+"/"))
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		b.Fatal(err)
	}
	run := func(extra ...string) string {
		cmd := exec.Command(filepath.Join(binDir, "devspace"), append([]string{"run-pipeline", "build"}, extra...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DOCKER_HOST="+env.Host, "KUBECONFIG="+filepath.Join(dir, "none"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		return string(out)
	}
	run() // the other machine: builds and pushes all 8
	fresh := func() {
		if err := os.RemoveAll(filepath.Join(dir, ".devspace")); err != nil {
			b.Fatal(err)
		}
	}
	fresh()
	// The local images go too: a fresh CI machine has none.
	for i := range 8 {
		removeRepoImages(b, env, fmt.Sprintf("%s/img%d", repo, i))
	}
	if out := run(); strings.Count(out, " already in "+repo+"/img") != 8 || strings.Contains(out, "Done building") {
		b.Fatalf("not 8 skips by the registry:\n%s", out)
	}
	var walls, hashing, cpus []time.Duration
	var peaks []int
	for b.Loop() {
		b.StopTimer()
		fresh()
		b.StartTimer()
		cpu := childrenCPU(b)
		wall, peak := measuredRun(b, env, dir, []string{"run-pipeline", "build"})
		cpus = append(cpus, childrenCPU(b)-cpu)
		walls, peaks = append(walls, wall), append(peaks, peak)
		// The same fresh checkout without the registry: hashing and
		// deciding only (--skip-push asks nobody, --explain builds
		// nothing), to tell the look-ups' share.
		b.StopTimer()
		fresh()
		start := time.Now()
		run("--skip-push", "--explain")
		hashing = append(hashing, time.Since(start))
		b.StartTimer()
	}
	reportRuns(b, walls, peaks)
	b.ReportMetric(ms(median(cpus)), "median-cpu-ms")
	b.ReportMetric(ms(median(hashing)), "no-registry-median-ms")
}

// childrenCPU is the CPU time (user+sys) of the benchmark's child
// processes that have ended, theirs included.
func childrenCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// removeRepoImages removes the daemon's images of repo, every tag.
func removeRepoImages(b *testing.B, env *testbed.DockerEnv, repo string) {
	api := env.API(b)
	imgs, err := api.ImageList(b.Context(), client.ImageListOptions{Filters: make(client.Filters).Add("reference", repo)})
	if err != nil {
		b.Fatal(err)
	}
	for _, img := range imgs.Items {
		for _, ref := range img.RepoTags {
			if _, err := api.ImageRemove(b.Context(), ref, client.ImageRemoveOptions{Force: true}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
