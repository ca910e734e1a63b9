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

// BenchmarkNoChangeBuildScale times `devspace run-pipeline build
// --skip-push` as a whole process when nothing changed, for 8 images of
// 2,000 and of 20,000 files, and reports its CPU time (user and system:
// what a loaded machine leaves comparable) and peak memory: the time and
// the memory must grow linearly with the files. Targets: 8×2000 ≤ 35 ms,
// 8×20000 ≤ 350 ms and ≤ 60 MiB (medians).
func BenchmarkNoChangeBuildScale(b *testing.B) {
	env := testbed.Docker(b)
	bySize(b, []contextSize{{2000, 10 << 10}, {20000, 1 << 10}}, func(b *testing.B, size contextSize) {
		dir := b.TempDir()
		writeBigProject(b, dir, 8, size.files, size.bytes, func(int) string { return "scratch" })
		args := []string{"run-pipeline", "build", "--skip-push"}
		measure(b, env, dir, args) // the one real build, and the file memo
		var runs []runMeasure
		for b.Loop() {
			runs = append(runs, measure(b, env, dir, args))
		}
		reportMeasures(b, runs)
	})
}

// contextSize is the context of each image of a benchmark's project: how
// many files of how many bytes.
type contextSize struct{ files, bytes int }

// bySize runs bench as one sub-benchmark per size, named 8xNfiles.
func bySize(b *testing.B, sizes []contextSize, bench func(*testing.B, contextSize)) {
	for _, size := range sizes {
		b.Run(fmt.Sprintf("8x%dfiles", size.files), func(b *testing.B) { bench(b, size) })
	}
}

// timeCommand is GNU time: it reports the peak memory of the process it
// starts. The benchmark's own child cannot: Go starts it with vfork, and
// its maximum RSS counts the benchmark's memory from before its exec.
const timeCommand = "/usr/bin/time"

// measuredRun runs devspace with args in dir and returns its wall time and,
// where GNU time is installed, its peak RSS in KiB (else 0).
func measuredRun(b *testing.B, env *testbed.DockerEnv, dir string, args []string) (time.Duration, int) {
	m := measure(b, env, dir, args)
	return m.wall, m.peakKiB
}

// runMeasure is one devspace run: its wall time and, where GNU time is
// installed, its CPU time (user and system) and peak RSS in KiB.
type runMeasure struct {
	wall, cpu time.Duration
	peakKiB   int
}

// measure runs devspace with args in dir.
func measure(b *testing.B, env *testbed.DockerEnv, dir string, args []string) runMeasure {
	b.Helper()
	name, full := filepath.Join(binDir, "devspace"), args
	usage := filepath.Join(b.TempDir(), "usage")
	if _, err := os.Stat(timeCommand); err == nil {
		name, full = timeCommand, append([]string{"-f", "%M %U %S", "-o", usage, name}, args...)
	}
	cmd := exec.Command(name, full...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+env.Host, "KUBECONFIG="+filepath.Join(dir, "none"))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	m := runMeasure{wall: time.Since(start)}
	if err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	data, err := os.ReadFile(usage)
	if err != nil {
		return m
	}
	var user, sys float64
	if _, err := fmt.Sscanf(string(data), "%d %g %g", &m.peakKiB, &user, &sys); err != nil {
		b.Fatalf("peak memory and CPU time from %s: %q: %v", timeCommand, data, err)
	}
	m.cpu = time.Duration((user + sys) * float64(time.Second))
	return m
}

// reportMeasures reports the median wall time and, when measured, the
// median CPU time and peak memory.
func reportMeasures(b *testing.B, runs []runMeasure) {
	var walls, cpus []time.Duration
	var peaks []int
	for _, r := range runs {
		walls, cpus, peaks = append(walls, r.wall), append(cpus, r.cpu), append(peaks, r.peakKiB)
	}
	if slices.Max(peaks) > 0 {
		b.ReportMetric(ms(median(cpus)), "median-cpu-ms")
	}
	reportRuns(b, walls, peaks)
}

// reportRuns reports the median wall time and, when measured, the median
// peak memory.
func reportRuns(b *testing.B, walls []time.Duration, peaks []int) {
	b.ReportMetric(ms(median(walls)), "median-ms")
	slices.Sort(peaks)
	if peaks[len(peaks)/2] > 0 {
		b.ReportMetric(float64(peaks[len(peaks)/2])/1024, "median-peak-MiB")
	} else {
		b.Logf("no peak memory: %s is not installed", timeCommand)
	}
}
