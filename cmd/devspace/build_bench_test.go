package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/testbed"
)

// BenchmarkNoChangeBuild times `devspace run-pipeline build` as a whole
// process when nothing changed, for 8 images × 2000 files × 10 KiB
// (160 MB of contexts): the run hashes (from its file memo), decides to
// skip every image and checks that each still exists in the daemon.
// Target: median ≤ 100 ms (DevSpace v6: 1169 ms on the same machine).
func BenchmarkNoChangeBuild(b *testing.B) {
	env := testbed.Docker(b)
	dir := b.TempDir()
	writeBigProject(b, dir, 8, 2000, 10<<10, func(int) string { return "scratch" })
	benchNoChange(b, env, dir, nil)
}

// BenchmarkNoChangeBuildWithBases is BenchmarkNoChangeBuild with base
// images: img0 builds FROM a local external image (looked up in the
// daemon each run) and the seven others FROM img0 (a project base, so the
// build graph and key folding run). Target: median ≤ 100 ms.
func BenchmarkNoChangeBuildWithBases(b *testing.B) {
	env := testbed.Docker(b)
	dir := b.TempDir()
	writeBigProject(b, dir, 8, 2000, 10<<10, chainedBases(env.Busybox(b)))
	benchNoChange(b, env, dir, nil)
}

// BenchmarkExplain times `devspace build --explain` on the project of
// BenchmarkNoChangeBuildWithBases after one file of the base changed:
// every image would be rebuilt, and nothing is. Target: median ≤ 100 ms.
func BenchmarkExplain(b *testing.B) {
	env := testbed.Docker(b)
	dir := b.TempDir()
	writeBigProject(b, dir, 8, 2000, 10<<10, chainedBases(env.Busybox(b)))
	benchNoChange(b, env, dir, func() {
		if err := os.WriteFile(filepath.Join(dir, "img0", "d00", "f0000"), []byte("changed"), 0o644); err != nil {
			b.Fatal(err)
		}
	}, "--explain")
}

// chainedBases is the base of image i in the benchmarks with bases: a
// local external image for img0, img0 (a project image) for the others.
func chainedBases(external string) func(i int) string {
	return func(i int) string {
		if i == 0 {
			return external
		}
		return "bench/img0"
	}
}

// benchNoChange builds the project once, runs prepare (when not nil),
// then times `run-pipeline build --skip-push` with extra, and reports the
// median wall time.
func benchNoChange(b *testing.B, env *testbed.DockerEnv, dir string, prepare func(), extra ...string) {
	build := []string{"run-pipeline", "build", "--skip-push"}
	run := func(args []string) {
		cmd := exec.Command(filepath.Join(binDir, "devspace"), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DOCKER_HOST="+env.Host, "KUBECONFIG="+filepath.Join(dir, "none"))
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
	timed := append(slices.Clone(build), extra...)
	run(build) // the one real build, and the file memo
	if prepare != nil {
		prepare()
		run(timed) // the changed file into the memo
	}
	var walls []time.Duration
	for b.Loop() {
		start := time.Now()
		run(timed)
		walls = append(walls, time.Since(start))
	}
	slices.Sort(walls)
	b.ReportMetric(float64(walls[len(walls)/2].Microseconds())/1000, "median-ms")
}

// writeBigProject writes n images, each with its own context of files.
func writeBigProject(b *testing.B, dir string, images, files, size int, from func(int) string) {
	var cfg strings.Builder
	cfg.WriteString("version: v2beta1\nname: big\nimages:\n")
	data := make([]byte, size)
	for i := range images {
		ctxDir := filepath.Join(dir, fmt.Sprintf("img%d", i))
		for f := range files {
			sub := filepath.Join(ctxDir, fmt.Sprintf("d%02d", f%50))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				b.Fatal(err)
			}
			copy(data, fmt.Sprintf("image %d file %d", i, f))
			if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%04d", f)), data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte("FROM "+from(i)+"\nCOPY . /data\n"), 0o644); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&cfg, "  img%d:\n    image: bench/img%d\n    context: img%d\n    dockerfile: img%d/Dockerfile\n", i, i, i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "devspace.yaml"), []byte(cfg.String()), 0o644); err != nil {
		b.Fatal(err)
	}
}
