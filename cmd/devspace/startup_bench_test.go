package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// BenchmarkStartupHello times `devspace run-pipeline hello` as a whole
// process, the way CI scripts pay for it, and reports the median wall time
// and the peak RSS. Targets: median ≤ 20 ms, peak RSS ≤ 30 MiB.
func BenchmarkStartupHello(b *testing.B) {
	dir := b.TempDir()
	yaml := "version: v2beta1\nname: bench\npipelines:\n  hello: echo hello\n"
	if err := os.WriteFile(filepath.Join(dir, "devspace.yaml"), []byte(yaml), 0o644); err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(binDir, "devspace")
	var walls []time.Duration
	var peakRSS int64
	for b.Loop() {
		cmd := exec.Command(bin, "run-pipeline", "hello")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "none"))
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		walls = append(walls, time.Since(start))
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			peakRSS = max(peakRSS, ru.Maxrss) // KiB on Linux
		}
	}
	slices.Sort(walls)
	b.ReportMetric(float64(walls[len(walls)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(peakRSS)/1024, "peak-MiB")
}
