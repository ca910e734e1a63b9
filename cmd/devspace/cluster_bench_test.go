package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/testbed"
)

// clusterBench is a project of images built in the test bed's cluster, in
// a namespace of its own.
type clusterBench struct {
	dir, ns string
	env     []string
}

// newClusterBench writes a devspace.yaml with n images of each builder
// (kaniko kN, in-cluster BuildKit bN, the Docker daemon dN), each a RUN
// step over a context with one file that rounds change.
func newClusterBench(b *testing.B, n int) *clusterBench {
	denv := testbed.Docker(b)
	kenv := testbed.Kube(b)
	base := denv.RegistryBusybox(b)
	if kenv.KanikoImage == "" || kenv.BuildKitImage == "" {
		testbed.Require(b, "the test bed's builder images are not set (testbed/testbed up exports them)")
	}
	c := &clusterBench{dir: b.TempDir(), ns: fmt.Sprintf("bench-%08x", rand.Uint32())}
	dyn := dynamicClient(b, kenv.Kubeconfig)
	b.Cleanup(func() { deleteNamespace(dyn, c.ns) })
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "version: v2beta1\nname: cluster-bench\npipelines:\n  b: build_images --force-rebuild \"$@\"\nimages:\n")
	for i := range n {
		for _, kind := range []string{"k", "b", "d"} {
			name := fmt.Sprintf("%s%d", kind, i)
			fmt.Fprintf(&cfg, "  %s:\n    image: %s/bench/%s-%s\n    context: ctx\n    dockerfile: ctx/Dockerfile\n    buildArgs: {BASE: %q, WHO: %s}\n",
				name, denv.Registry, c.ns, name, base, name)
			switch kind {
			case "k":
				fmt.Fprintf(&cfg, "    kaniko: {image: %q, hostNetwork: true}\n", kenv.KanikoImage)
			case "b":
				fmt.Fprintf(&cfg, "    buildKit: {inCluster: {image: %q, hostNetwork: true, privileged: false}}\n", kenv.BuildKitImage)
			}
		}
	}
	write(b, filepath.Join(c.dir, "devspace.yaml"), cfg.String())
	if err := os.MkdirAll(filepath.Join(c.dir, "ctx"), 0o755); err != nil {
		b.Fatal(err)
	}
	write(b, filepath.Join(c.dir, "ctx", "Dockerfile"), "ARG BASE\nFROM ${BASE}\nARG WHO\nCOPY data.txt /data.txt\nRUN echo \"built for $WHO\" > /who.txt\n")
	c.change(b)
	c.env = append(os.Environ(), "KUBECONFIG="+kenv.Kubeconfig, "DOCKER_HOST="+denv.Host)
	return c
}

// change writes a new data.txt: the next build sends one changed file.
func (c *clusterBench) change(b *testing.B) {
	write(b, filepath.Join(c.dir, "ctx", "data.txt"), fmt.Sprintf("round %d\n", rand.Uint64()))
}

// build runs `build_images --force-rebuild images…` and returns its wall
// time and output.
func (c *clusterBench) build(b *testing.B, images ...string) (time.Duration, string) {
	args := append([]string{"run-pipeline", "b"}, images...)
	cmd := exec.Command(filepath.Join(binDir, "devspace"), append(args, "-n", c.ns)...)
	cmd.Dir, cmd.Env = c.dir, c.env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("devspace %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return time.Since(start), string(out)
}

var (
	podRunning = regexp.MustCompile(`pod \S+ running \(([0-9.]+)s\)`)
	kanikoDone = regexp.MustCompile(`kaniko done \(([0-9.]+)s\)`)
	solveTook  = regexp.MustCompile(`build took ([0-9.]+)(ms|s)`)
)

func seconds(b *testing.B, rx *regexp.Regexp, out string) time.Duration {
	m := rx.FindStringSubmatch(out)
	if m == nil {
		b.Fatalf("no %q in the output:\n%s", rx, out)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	if len(m) > 2 && m[2] == "ms" {
		return time.Duration(v * float64(time.Millisecond))
	}
	return time.Duration(v * float64(time.Second))
}

// BenchmarkKanikoBuild builds one small image (COPY + RUN) with kaniko,
// a changed file each round, and splits the time into phases: the pod
// starting (create → container running), kaniko's own work (running →
// exit, context upload included) and the rest of the process (start-up,
// keys, pod deletion). The overhead is everything but kaniko's work; the
// goal is ≤ 2.5 s.
func BenchmarkKanikoBuild(b *testing.B) {
	c := newClusterBench(b, 1)
	var total, start, work []time.Duration
	for b.Loop() {
		c.change(b)
		d, out := c.build(b, "k0")
		running, done := seconds(b, podRunning, out), seconds(b, kanikoDone, out)
		total, start, work = append(total, d), append(start, running), append(work, done-running)
	}
	t, w := median(total), median(work)
	b.ReportMetric(ms(t), "total-ms")
	b.ReportMetric(ms(median(start)), "pod-start-ms")
	b.ReportMetric(ms(w), "kaniko-ms")
	b.ReportMetric(ms(t-w), "overhead-ms")
}

// BenchmarkBuildKitRebuild rebuilds one image on a warm in-cluster
// buildkitd after one changed file: the whole devspace process, and the
// solve alone. The goal is ≤ 1 s.
func BenchmarkBuildKitRebuild(b *testing.B) {
	c := newClusterBench(b, 1)
	c.build(b, "b0") // the daemon pod, the base image, the context
	var total, solve []time.Duration
	for b.Loop() {
		c.change(b)
		d, out := c.build(b, "b0")
		total, solve = append(total, d), append(solve, seconds(b, solveTook, out))
	}
	b.ReportMetric(ms(median(total)), "total-ms")
	b.ReportMetric(ms(median(solve)), "solve-ms")
}

// BenchmarkParallel8 builds eight images at once (each COPY + RUN, a
// changed file each round, all pushed) three ways: on one in-cluster
// buildkitd, in eight kaniko pods, and on the test bed's Docker daemon.
// It reports each one's median wall time.
func BenchmarkParallel8(b *testing.B) {
	c := newClusterBench(b, 8)
	names := func(kind string) []string {
		var out []string
		for i := range 8 {
			out = append(out, fmt.Sprintf("%s%d", kind, i))
		}
		return out
	}
	c.build(b, names("b")...) // warm: the daemon pod exists, bases are pulled
	c.build(b, names("d")...)
	times := map[string][]time.Duration{}
	for b.Loop() {
		for _, kind := range []string{"b", "k", "d"} {
			c.change(b)
			d, _ := c.build(b, names(kind)...)
			times[kind] = append(times[kind], d)
		}
	}
	b.ReportMetric(ms(median(times["b"])), "buildkit-pod-ms")
	b.ReportMetric(ms(median(times["k"])), "kaniko-pods-ms")
	b.ReportMetric(ms(median(times["d"])), "docker-daemon-ms")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
