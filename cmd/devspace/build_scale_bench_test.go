package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/testbed"
)

// BenchmarkNoChangeBuildScale times `devspace run-pipeline build
// --skip-push` as a whole process when nothing changed, for 8 images of
// 2,000 and of 20,000 files, and reports its peak memory: the time and the
// memory must grow linearly with the files. Targets: 8×2000 ≤ 35 ms,
// 8×20000 ≤ 350 ms and ≤ 60 MiB (medians).
func BenchmarkNoChangeBuildScale(b *testing.B) {
	env := testbed.Docker(b)
	for _, size := range []struct{ files, bytes int }{{2000, 10 << 10}, {20000, 1 << 10}} {
		b.Run(fmt.Sprintf("8x%dfiles", size.files), func(b *testing.B) {
			dir := b.TempDir()
			writeBigProject(b, dir, 8, size.files, size.bytes, func(int) string { return "scratch" })
			args := []string{"run-pipeline", "build", "--skip-push"}
			measuredRun(b, env, dir, args) // the one real build, and the file memo
			var walls []time.Duration
			var peaks []int
			for b.Loop() {
				wall, peak := measuredRun(b, env, dir, args)
				walls, peaks = append(walls, wall), append(peaks, peak)
			}
			reportRuns(b, walls, peaks)
		})
	}
}

// timeCommand is GNU time: it reports the peak memory of the process it
// starts. The benchmark's own child cannot: Go starts it with vfork, and
// its maximum RSS counts the benchmark's memory from before its exec.
const timeCommand = "/usr/bin/time"

// measuredRun runs devspace with args in dir and returns its wall time and,
// where GNU time is installed, its peak RSS in KiB (else 0).
func measuredRun(b *testing.B, env *testbed.DockerEnv, dir string, args []string) (time.Duration, int) {
	b.Helper()
	name, full := filepath.Join(binDir, "devspace"), args
	rss := filepath.Join(b.TempDir(), "rss")
	if _, err := os.Stat(timeCommand); err == nil {
		name, full = timeCommand, append([]string{"-f", "%M", "-o", rss, name}, args...)
	}
	cmd := exec.Command(name, full...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+env.Host, "KUBECONFIG="+filepath.Join(dir, "none"))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	data, err := os.ReadFile(rss)
	if err != nil {
		return wall, 0
	}
	kib, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		b.Fatalf("peak memory from %s: %q", timeCommand, data)
	}
	return wall, kib
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
