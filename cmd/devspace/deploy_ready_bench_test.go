package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/testbed"
)

// BenchmarkDeployReady50 deploys 50 manifests, 25 Deployments whose pods
// pass an HTTP readiness probe and 25 ConfigMaps, each round into a fresh
// namespace, and waits until every Deployment is ready:
// `create_deployments` (one devspace process, start-up and the wait
// included) against `kubectl apply --server-side` followed by one `kubectl
// rollout status` per Deployment, run concurrently (the floor). It then
// times a redeploy with nothing changed (goal ≤ 300 ms: a read per object,
// no wait). Medians are reported; the kubectl half needs kubectl on PATH.
func BenchmarkDeployReady50(b *testing.B) {
	kenv := testbed.Kube(b)
	image := testbed.Docker(b).RegistryBusybox(b)
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		testbed.Require(b, "kubectl is not on PATH: no floor to compare with")
	}
	dir := b.TempDir()
	dyn := dynamicClient(b, kenv.Kubeconfig)
	cfg := "version: v2beta1\nname: bench\ndeployments:\n  objects:\n    kubectl:\n      manifests: [k8s/]\npipelines:\n  deploy: create_deployments --all\n"
	write(b, filepath.Join(dir, "devspace.yaml"), cfg)
	writeReadyManifests(b, filepath.Join(dir, "k8s"), image)
	env := append(os.Environ(), "KUBECONFIG="+kenv.Kubeconfig)
	var ours, unchanged, theirs []time.Duration
	for b.Loop() {
		ns := fmt.Sprintf("bench-ready-%08x", rand.Uint32())
		devspace := []string{filepath.Join(binDir, "devspace"), "run-pipeline", "deploy", "-n", ns}
		ours = append(ours, run(b, dir, env, devspace...))
		unchanged = append(unchanged, run(b, dir, env, devspace...))
		deleteNamespace(dyn, ns)

		ns = fmt.Sprintf("bench-ready-%08x", rand.Uint32())
		run(b, dir, env, kubectl, "create", "namespace", ns)
		theirs = append(theirs, kubectlApplyAndRollout(b, dir, env, kubectl, ns))
		deleteNamespace(dyn, ns)
	}
	b.ReportMetric(float64(median(ours).Milliseconds()), "devspace-ready-ms")
	b.ReportMetric(float64(median(theirs).Milliseconds()), "kubectl-ready-ms")
	b.ReportMetric(float64(median(ours))/float64(median(theirs)), "ratio-to-kubectl")
	b.ReportMetric(float64(median(unchanged).Milliseconds()), "unchanged-ms")
}

// kubectlApplyAndRollout applies the manifests and waits for each
// Deployment with its own `kubectl rollout status`, all at once.
func kubectlApplyAndRollout(b *testing.B, dir string, env []string, kubectl, ns string) time.Duration {
	start := time.Now()
	run(b, dir, env, kubectl, "apply", "--server-side", "-n", ns, "-f", filepath.Join(dir, "k8s"))
	var wg sync.WaitGroup
	for i := range 25 {
		wg.Go(func() {
			run(b, dir, env, kubectl, "rollout", "status", "-n", ns, "--timeout=5m", fmt.Sprintf("deployment/ready-%02d", i))
		})
	}
	wg.Wait()
	return time.Since(start)
}

// writeReadyManifests writes 25 Deployments (one replica serving HTTP,
// ready when it answers) and 25 ConfigMaps.
func writeReadyManifests(b *testing.B, dir, image string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range 25 {
		dep := fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: ready-%02d}
spec:
  selector: {matchLabels: {app: ready-%02d}}
  template:
    metadata: {labels: {app: ready-%02d}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: web
        image: %s
        command: [sh, -c, 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www']
        readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
`, i, i, i, image)
		write(b, filepath.Join(dir, fmt.Sprintf("dep-%02d.yaml", i)), dep)
		cm := fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%02d}\ndata: {n: %q}\n", i, fmt.Sprint(i))
		write(b, filepath.Join(dir, fmt.Sprintf("cm-%02d.yaml", i)), cm)
	}
}
