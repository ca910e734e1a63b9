package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
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
	port := freePort(b)
	dir, ns, env := devProject(b, "devbench",
		"mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www",
		fmt.Sprintf(`ports: [{port: "%d:8080"}]`, port))
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

// BenchmarkSyncLatency saves a local file under `devspace dev` with an
// upload sync and times until the new content is served from the pod
// (through the forwarded port), 50 saves per run; it reports the median
// and the p95. Goal: median ≤ 300 ms.
func BenchmarkSyncLatency(b *testing.B) {
	port := freePort(b)
	dir, ns, env := devProject(b, "syncbench", "mkdir -p /www && exec httpd -f -p 8080 -h /www",
		fmt.Sprintf(`ports: [{port: "%d:8080"}]
    sync: [{path: "./site:/www"}]`, port))
	if err := os.MkdirAll(filepath.Join(dir, "site"), 0o755); err != nil {
		b.Fatal(err)
	}
	write(b, filepath.Join(dir, "site", "page.html"), "start\n")
	cmd := exec.Command(filepath.Join(binDir, "devspace"), "dev", "-n", ns)
	cmd.Dir, cmd.Env = dir, env
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		_ = cmd.Wait()
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d/page.html", port)
	served := func(want string, limit time.Duration) bool { return servedWithin(url, want, limit) }
	if !served("start\n", 120*time.Second) {
		b.Fatal("devspace dev never served the synced page")
	}
	var lat []time.Duration
	save := 0
	for b.Loop() {
		for range 50 {
			save++
			want := fmt.Sprintf("save %d\n", save)
			start := time.Now()
			write(b, filepath.Join(dir, "site", "page.html"), want)
			if !served(want, 10*time.Second) {
				b.Fatalf("save %d never arrived", save)
			}
			lat = append(lat, time.Since(start))
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}

// BenchmarkInitialSync times the initial upload of 2000 files × 10 KiB
// (20 MB) into the dev container, as the sync reports it, under `devspace
// dev`. Each run syncs into a new directory (a second run into the same
// one would find every file in step and upload nothing). Goal: ≤ 3 s.
// It also reports devspace's peak RSS up to the sync's report (VmHWM,
// read before the interrupt; ru_maxrss would count this test process
// too, see BenchmarkStartupHello). Goal: ≤ 50 MiB.
func BenchmarkInitialSync(b *testing.B) {
	dir, ns, env := devProject(b, "isyncbench", "exec sleep 3600", `sync: [{path: "./site:/data/${SYNC_RUN}", disableDownload: true}]`)
	data := make([]byte, 10<<10)
	for i := range 2000 {
		sub := filepath.Join(dir, "site", fmt.Sprintf("d%02d", i%50))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		copy(data, fmt.Sprintf("file %d", i))
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%04d", i)), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	reported := regexp.MustCompile(`sync \S+: 2000 files uploaded to /data/\S+ in (\S+)`)
	var took []time.Duration
	var peak []float64
	for b.Loop() {
		cmd := exec.Command(filepath.Join(binDir, "devspace"), "dev", "-n", ns)
		cmd.Dir, cmd.Env = dir, append(env, fmt.Sprintf("SYNC_RUN=run%d", len(took)))
		out, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		runs, lines := len(took), ""
		for sc.Scan() {
			lines += sc.Text() + "\n"
			if m := reported.FindStringSubmatch(sc.Text()); m != nil {
				d, err := time.ParseDuration(m[1])
				if err != nil {
					b.Fatal(err)
				}
				took = append(took, d)
				peak = append(peak, peakRSSMiB(b, cmd.Process.Pid))
				break
			}
		}
		_ = cmd.Process.Signal(syscall.SIGINT)
		go io.Copy(io.Discard, out)
		_ = cmd.Wait()
		if len(took) == runs {
			b.Fatalf("the initial sync never reported:\n%s", lines)
		}
	}
	b.ReportMetric(float64(median(took).Microseconds())/1000, "initial-sync-ms")
	slices.Sort(peak)
	b.ReportMetric(peak[len(peak)-1], "peak-rss-MiB")
}

// peakRSSMiB is the peak resident set of a running process.
func peakRSSMiB(b *testing.B, pid int) float64 { return procStatusMiB(b, pid, "VmHWM") }

// procStatusMiB is a size field of /proc/PID/status (VmHWM, VmRSS) in MiB.
func procStatusMiB(b *testing.B, pid int, field string) float64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if kb, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")))
			if err != nil {
				b.Fatal(err)
			}
			return float64(n) / 1024
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// devProject writes a project for the dev benchmarks: image web (busybox
// running the shell command cmd), a Deployment of it, and dev config web
// selecting it by its built image, with devYAML's lines added (indented as
// the config's fields). The namespace is fresh and deleted afterwards. It
// returns the directory, the namespace and devspace's environment.
func devProject(b *testing.B, name, cmd, devYAML string) (dir, ns string, env []string) {
	denv := testbed.Docker(b)
	kenv := testbed.Kube(b)
	busybox := denv.Busybox(b)
	dir = b.TempDir()
	ns = fmt.Sprintf("bench-%s-%08x", name, rand.Uint32())
	dyn := dynamicClient(b, kenv.Kubeconfig)
	b.Cleanup(func() { deleteNamespace(dyn, ns) })
	cfg := fmt.Sprintf(`version: v2beta1
name: %s
images:
  web:
    image: %s/e2e/%s
    context: web
    dockerfile: web/Dockerfile
    buildArgs: {BASE: %q}
deployments:
  web:
    kubectl: {manifests: [web.yaml]}
dev:
  web:
    imageSelector: ${runtime.images.web.image}:${runtime.images.web.tag}
    %s
`, name, denv.Registry, name, busybox, devYAML)
	if err := os.MkdirAll(filepath.Join(dir, "web"), 0o755); err != nil {
		b.Fatal(err)
	}
	write(b, filepath.Join(dir, "devspace.yaml"), cfg)
	write(b, filepath.Join(dir, "web", "Dockerfile"), fmt.Sprintf("ARG BASE\nFROM ${BASE}\nCMD [\"sh\", \"-c\", %q]\n", cmd))
	write(b, filepath.Join(dir, "web.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      terminationGracePeriodSeconds: 1\n      containers:\n        - name: web\n          image: ${runtime.images.web.image}\n")
	return dir, ns, append(os.Environ(), "DOCKER_HOST="+denv.Host, "KUBECONFIG="+kenv.Kubeconfig)
}
