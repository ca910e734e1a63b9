package main

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
	"github.com/devspace-engine/devspace/testbed"
)

// BenchmarkEnterTrue times `devspace enter -- true` on a running pod,
// selected by label, as a whole process, and reports the minimum and the
// median. Goal: median ≤ 150 ms.
func BenchmarkEnterTrue(b *testing.B) {
	_, pod := kubetest.SleeperPod(b)
	kubeconfig := testbed.Kube(b).Kubeconfig
	dir := b.TempDir()
	var walls []time.Duration
	for b.Loop() {
		cmd := exec.Command(filepath.Join(binDir, "devspace"), "enter", "--kubeconfig", kubeconfig, "-n", pod.Namespace, "-l", "app=sleeper", "--", "true")
		cmd.Dir = dir
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("enter -- true: %v\n%s", err, out)
		}
		walls = append(walls, time.Since(start))
	}
	reportWalls(b, walls)
}

// BenchmarkLogsFirstLine times `devspace logs` on a running pod that
// logs a line a second, selected by label, from the process start to the
// first line on its stdout, and reports the minimum and the median.
// Goal: median ≤ 150 ms.
func BenchmarkLogsFirstLine(b *testing.B) {
	c, ns := kubetest.Cluster(b)
	kubetest.Apply(b, c, ns, kubetest.CounterDeployment("counter"))
	kubetest.WaitPod(b, c, kube.Selector{Namespace: ns, LabelSelector: map[string]string{"app": "counter"}})
	time.Sleep(time.Second) // a line logged
	kubeconfig := testbed.Kube(b).Kubeconfig
	dir := b.TempDir()
	var walls []time.Duration
	for b.Loop() {
		cmd := exec.Command(filepath.Join(binDir, "devspace"), "logs", "--kubeconfig", kubeconfig, "-n", ns, "-l", "app=counter", "--lines", "1")
		cmd.Dir = dir
		out, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		if !bufio.NewScanner(out).Scan() {
			b.Fatal("devspace logs printed no line")
		}
		walls = append(walls, time.Since(start))
		if err := cmd.Wait(); err != nil {
			b.Fatalf("logs: %v", err)
		}
	}
	reportWalls(b, walls)
}

// reportWalls reports the minimum and the median of process wall times.
func reportWalls(b *testing.B, walls []time.Duration) {
	slices.Sort(walls)
	b.ReportMetric(float64(walls[0].Microseconds())/1000, "min-ms")
	b.ReportMetric(float64(walls[len(walls)/2].Microseconds())/1000, "median-ms")
}
