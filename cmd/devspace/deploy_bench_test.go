package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/testbed"
)

// BenchmarkDeploy50 applies 50 manifests (ConfigMaps, Services and
// Deployments scaled to zero, so that no pod load muddies the figure) to
// the test bed's cluster, each round with a changed value in every object
// so that each one is really written: `create_deployments` (one devspace
// process, start-up included) against `kubectl apply --server-side
// --force-conflicts` on the same files, with kubectl's default validation
// and without it (the floor). It reports the median wall times and the
// ratio to the floor; the goal is ≤ 1.2×. The kubectl half needs kubectl
// on PATH.
func BenchmarkDeploy50(b *testing.B) {
	kenv := testbed.Kube(b)
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		testbed.Require(b, "kubectl is not on PATH: no floor to compare with")
	}
	dir := b.TempDir()
	ns := fmt.Sprintf("bench-%08x", rand.Uint32())
	dyn := dynamicClient(b, kenv.Kubeconfig)
	b.Cleanup(func() { deleteNamespace(dyn, ns) })
	cfg := "version: v2beta1\nname: bench\ndeployments:\n  objects:\n    kubectl:\n      manifests: [k8s/]\npipelines:\n  deploy: create_deployments --all\n"
	write(b, filepath.Join(dir, "devspace.yaml"), cfg)
	env := append(os.Environ(), "KUBECONFIG="+kenv.Kubeconfig)
	devspace := []string{filepath.Join(binDir, "devspace"), "run-pipeline", "deploy", "-n", ns}
	floor := []string{kubectl, "apply", "--server-side", "--force-conflicts", "--field-manager", "kubectl-bench", "-n", ns, "-f", filepath.Join(dir, "k8s")}
	// kubectl's default validates against the server's OpenAPI schema;
	// without that it does less than devspace does (the API server still
	// validates), which makes the lowest floor.
	bare := append(slices.Clone(floor), "--validate=false")
	run(b, dir, env, kubectl, "create", "namespace", ns)
	var ours, theirs, bareTimes []time.Duration
	round := 0
	for b.Loop() {
		round++
		writeManifests(b, filepath.Join(dir, "k8s"), round)
		ours = append(ours, run(b, dir, env, devspace...))
		round++
		writeManifests(b, filepath.Join(dir, "k8s"), round)
		theirs = append(theirs, run(b, dir, env, floor...))
		round++
		writeManifests(b, filepath.Join(dir, "k8s"), round)
		bareTimes = append(bareTimes, run(b, dir, env, bare...))
	}
	m, k, kb := median(ours), median(theirs), median(bareTimes)
	b.ReportMetric(float64(m.Microseconds())/1000, "devspace-ms")
	b.ReportMetric(float64(k.Microseconds())/1000, "kubectl-ms")
	b.ReportMetric(float64(kb.Microseconds())/1000, "kubectl-novalidate-ms")
	b.ReportMetric(float64(m)/float64(kb), "ratio-to-floor")
}

// writeManifests writes 50 objects in 50 files, each carrying round.
func writeManifests(b *testing.B, dir string, round int) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range 50 {
		var doc string
		switch i % 3 {
		case 0:
			doc = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  round: %q\n", i, fmt.Sprint(round))
		case 1:
			doc = fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%d\n  annotations: {round: %q}\nspec:\n  ports: [{port: 80}]\n  selector: {app: a%d}\n", i, fmt.Sprint(round), i)
		default:
			doc = fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: dep-%d\n  annotations: {round: %q}\nspec:\n  replicas: 0\n  selector: {matchLabels: {app: a%d}}\n  template:\n    metadata: {labels: {app: a%d}}\n    spec:\n      containers: [{name: c, image: 127.0.0.1:5000/none}]\n", i, fmt.Sprint(round), i, i)
		}
		write(b, filepath.Join(dir, fmt.Sprintf("obj-%02d.yaml", i)), doc)
	}
}

func write(b *testing.B, path, text string) {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
}

func run(b *testing.B, dir string, env []string, args ...string) time.Duration {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return time.Since(start)
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
