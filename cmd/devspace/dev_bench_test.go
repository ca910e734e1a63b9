package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/testbed"
)

// BenchmarkDevStartup times `devspace dev` on a project where nothing
// changed (image built and deployed before): from the process start to
// the forwarded port answering from the pod, then Ctrl-C. Goal: median
// ≤ 2 s.
func BenchmarkDevStartup(b *testing.B) {
	denv := testbed.Docker(b)
	kenv := testbed.Kube(b)
	busybox := denv.Busybox(b)
	dir := b.TempDir()
	ns := fmt.Sprintf("bench-dev-%08x", rand.Uint32())
	dyn := dynamicClient(b, kenv.Kubeconfig)
	b.Cleanup(func() { deleteNamespace(dyn, ns) })
	port := freePort(b)
	cfg := fmt.Sprintf(`version: v2beta1
name: devbench
images:
  web:
    image: %s/e2e/dev-bench
    buildArgs: {BASE: %q}
deployments:
  web:
    kubectl: {manifests: [web.yaml]}
dev:
  web:
    imageSelector: ${runtime.images.web.image}:${runtime.images.web.tag}
    ports: [{port: "%d:8080"}]
`, denv.Registry, busybox, port)
	write(b, filepath.Join(dir, "devspace.yaml"), cfg)
	write(b, filepath.Join(dir, "Dockerfile"), "ARG BASE\nFROM ${BASE}\nCMD [\"sh\", \"-c\", \"mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www\"]\n")
	write(b, filepath.Join(dir, "web.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      terminationGracePeriodSeconds: 1\n      containers:\n        - name: web\n          image: ${runtime.images.web.image}\n")
	env := append(os.Environ(), "DOCKER_HOST="+denv.Host, "KUBECONFIG="+kenv.Kubeconfig)
	url := fmt.Sprintf("http://127.0.0.1:%d/index.html", port)
	devOnce := func() time.Duration {
		cmd := exec.Command(filepath.Join(binDir, "devspace"), "dev", "-n", ns)
		cmd.Dir, cmd.Env = dir, env
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() {
			_ = cmd.Process.Signal(syscall.SIGINT)
			_ = cmd.Wait()
		}()
		client := &http.Client{Timeout: time.Second}
		for time.Since(start) < 60*time.Second {
			if resp, err := client.Get(url); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return time.Since(start)
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		b.Fatalf("the port did not answer within 60 s")
		return 0
	}
	devOnce() // the first build, deploy and rollout
	var walls []time.Duration
	for b.Loop() {
		walls = append(walls, devOnce())
	}
	b.ReportMetric(float64(median(walls).Microseconds())/1000, "median-ms")
}
