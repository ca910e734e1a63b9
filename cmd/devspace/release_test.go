package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/testbed"
)

// TestRelease builds the linux/amd64 archive as `task release` does,
// unpacks it into an empty directory outside the checkout, and runs its
// programs from there, first on PATH and with no companion variable set:
// the deploy example, a dev session with sync and a helm deployment, and
// the CI image.
func TestRelease(t *testing.T) {
	rel := buildRelease(t)
	t.Run("archive", func(t *testing.T) { checkArchive(t, rel) })
	t.Run("deploy example", func(t *testing.T) {
		t.Parallel()
		kenv, env := testbed.Kube(t), testbed.Docker(t)
		ns := fmt.Sprintf("release-deploy-%08x", rand.Uint32())
		dyn := dynamicClient(t, kenv.Kubeconfig)
		t.Cleanup(func() { deleteNamespace(dyn, ns) })
		dir := copyDir(t, "../../examples/pipelines/deploy")
		environ := rel.environ(t, "KUBECONFIG="+kenv.Kubeconfig, "DOCKER_HOST="+env.Host, "REGISTRY="+env.Registry, "BASE_IMAGE="+env.Busybox(t))
		rel.run(t, dir, environ, "deploy", "-n", ns)
		waitRolledOut(t, dyn.Resource(kinds["deployment"]).Namespace(ns), "web")
		rel.run(t, dir, environ, "purge", "-n", ns)
	})
	t.Run("dev with sync", func(t *testing.T) {
		t.Parallel()
		devFromArchive(t, rel)
	})
	t.Run("image", func(t *testing.T) {
		t.Parallel()
		imageFromArchive(t, rel)
	})
}

// release is the unpacked archive.
type release struct {
	dir, archive, checksums string
	version, commit         string // what git says, as task release stamps them
}

var (
	releaseOnce sync.Once
	releaseDir  string
	releaseErr  error
)

// buildRelease runs the release program for linux/amd64 (once per
// process) at the repository's root, and unpacks the archive.
func buildRelease(t *testing.T) *release {
	t.Helper()
	releaseOnce.Do(func() {
		releaseDir, releaseErr = os.MkdirTemp("", "devspace-release-test-")
		if releaseErr != nil {
			return
		}
		cmd := exec.Command("go", "run", "./release", "-out", releaseDir, "-targets", "linux/amd64")
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			releaseErr = fmt.Errorf("go run ./release: %v\n%s", err, out)
		}
	})
	if releaseErr != nil {
		t.Fatal(releaseErr)
	}
	t.Cleanup(func() { os.RemoveAll(releaseDir) }) // the last test's cleanup removes it
	archives, _ := filepath.Glob(filepath.Join(releaseDir, "devspace-*-linux-amd64.tar.gz"))
	if len(archives) != 1 {
		t.Fatalf("want one linux/amd64 archive in %s, found %q", releaseDir, archives)
	}
	rel := &release{dir: t.TempDir(), archive: archives[0], checksums: filepath.Join(releaseDir, "checksums.txt")}
	rel.version = gitOutput(t, "describe", "--tags", "--dirty")
	if rel.version == "" {
		rel.version = "v0.1.0-dev"
	}
	rel.commit = gitOutput(t, "rev-parse", "--short=12", "HEAD")
	unpack(t, rel.archive, rel.dir)
	return rel
}

func gitOutput(t *testing.T, args ...string) string {
	out, _ := exec.Command("git", args...).Output() // "" when there is no tag
	return strings.TrimSpace(string(out))
}

// unpack extracts a tar.gz: regular files and directories only.
func unpack(t *testing.T, archive, dst string) {
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		} else if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, filepath.FromSlash(h.Name))
		if h.Typeflag == tar.TypeDir {
			err = os.MkdirAll(p, 0o755)
		} else {
			var data []byte
			if data, err = io.ReadAll(tr); err == nil {
				err = os.WriteFile(p, data, os.FileMode(h.Mode))
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// bin is the unpacked archive's one directory.
func (r *release) bin(t *testing.T) string {
	entries, err := os.ReadDir(r.dir)
	if err != nil || len(entries) != 1 || !entries[0].IsDir() {
		t.Fatalf("the archive should unpack into one directory: %v %v", entries, err)
	}
	return filepath.Join(r.dir, entries[0].Name())
}

// environ is the environment the archive's programs run in: its directory
// first on PATH, then Go's (the deploy example's pipeline compiles) and
// the system's; no companion variable.
func (r *release) environ(t *testing.T, extra ...string) []string {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DEVSPACE_") && !strings.HasPrefix(kv, "DEVSPACE_TEST_") {
			continue
		}
		env = append(env, kv)
	}
	path := strings.Join([]string{r.bin(t), filepath.Dir(goBin), "/usr/sbin", "/usr/bin", "/sbin", "/bin"}, string(os.PathListSeparator))
	return append(append(env, "PATH="+path), extra...)
}

// run runs the archive's devspace, found on PATH as a user would.
func (r *release) run(t *testing.T, dir string, environ []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(lookPathIn(t, "devspace", environ), args...)
	cmd.Dir, cmd.Env = dir, environ
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("devspace %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// lookPathIn finds name on the PATH of environ.
func lookPathIn(t *testing.T, name string, environ []string) string {
	for i := len(environ) - 1; i >= 0; i-- {
		if path, ok := strings.CutPrefix(environ[i], "PATH="); ok {
			for _, dir := range filepath.SplitList(path) {
				if p := filepath.Join(dir, name); isExecutableFile(p) {
					return p
				}
			}
			break
		}
	}
	t.Fatalf("%s not on the PATH", name)
	return ""
}

func isExecutableFile(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0
}

// checkArchive: the archive holds exactly the programs (the agents built
// for their linux architectures), LICENSE and README.md; checksums.txt
// has its sha256; devspace prints the stamped version and commit.
func checkArchive(t *testing.T, r *release) {
	bin := r.bin(t)
	entries, err := os.ReadDir(bin)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"LICENSE", "README.md", "devspace", "devspace-helm", "devspace-sync-agent-linux-amd64", "devspace-sync-agent-linux-arm64"}
	if !slices.Equal(names, want) {
		t.Errorf("the archive holds %q, want %q", names, want)
	}
	for name, machine := range map[string]elf.Machine{"devspace": elf.EM_X86_64, "devspace-helm": elf.EM_X86_64,
		"devspace-sync-agent-linux-amd64": elf.EM_X86_64, "devspace-sync-agent-linux-arm64": elf.EM_AARCH64} {
		if got := elfMachine(t, filepath.Join(bin, name)); got != machine {
			t.Errorf("%s is built for %v, want %v", name, got, machine)
		}
	}
	data, err := os.ReadFile(r.archive)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	line := hex.EncodeToString(sum[:]) + "  " + filepath.Base(r.archive) + "\n"
	if sums, _ := os.ReadFile(r.checksums); string(sums) != line {
		t.Errorf("checksums.txt is %q, want %q", sums, line)
	}
	out := r.run(t, t.TempDir(), r.environ(t), "version")
	re := regexp.MustCompile(`^devspace ` + regexp.QuoteMeta(r.version) + ` \(commit ` + r.commit + `(-dirty)?, go\S+, linux/amd64\)\n$`)
	if !re.MatchString(out) {
		t.Errorf("devspace version printed %q, want it to match %s", out, re)
	}
}

func elfMachine(t *testing.T, path string) elf.Machine {
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer f.Close()
	return f.Machine
}

// devFromArchive runs `devspace dev` from the archive on a project with a
// helm deployment (the component chart: devspace-helm) and a sync into
// the container (the agent): a saved file is served by the pod.
func devFromArchive(t *testing.T, r *release) {
	denv, kenv := testbed.Docker(t), testbed.Kube(t)
	ns := fmt.Sprintf("release-dev-%08x", rand.Uint32())
	dyn := dynamicClient(t, kenv.Kubeconfig)
	t.Cleanup(func() { deleteNamespace(dyn, ns) })
	port := freePort(t)
	dir := t.TempDir()
	image := denv.Registry + "/e2e/release-dev"
	testbed.WriteTree(t, dir, map[string]string{
		"devspace.yaml": fmt.Sprintf(`version: v2beta1
name: release-dev
images:
  web:
    image: %s
    context: web
    dockerfile: web/Dockerfile
    buildArgs: {BASE: %q}
deployments:
  web:
    helm:
      values:
        containers: [{image: %s}]
        terminationGracePeriodSeconds: 1
dev:
  web:
    imageSelector: ${runtime.images.web.image}:${runtime.images.web.tag}
    ports: [{port: "%d:8080"}]
    sync: [{path: "./site:/www"}]
`, image, denv.Busybox(t), image, port),
		"web/Dockerfile": "ARG BASE\nFROM ${BASE}\nCMD [\"sh\", \"-c\", \"mkdir -p /www && exec httpd -f -p 8080 -h /www\"]\n",
		"site/page.html": "start\n",
	})
	environ := r.environ(t, "KUBECONFIG="+kenv.Kubeconfig, "DOCKER_HOST="+denv.Host)
	cmd := exec.Command(lookPathIn(t, "devspace", environ), "dev", "-n", ns)
	var out testbed.SyncBuffer
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, environ, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		_ = cmd.Wait()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d/page.html", port)
	if !servedWithin(url, "start\n", 120*time.Second) {
		t.Fatalf("devspace dev never served the synced page:\n%s", out.String())
	}
	if err := os.WriteFile(filepath.Join(dir, "site", "page.html"), []byte("saved\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !servedWithin(url, "saved\n", 30*time.Second) {
		t.Fatalf("the saved page never reached the pod:\n%s", out.String())
	}
}

// servedWithin polls url until its body is want.
func servedWithin(url, want string, limit time.Duration) bool {
	client := &http.Client{Timeout: time.Second}
	for start := time.Now(); time.Since(start) < limit; time.Sleep(5 * time.Millisecond) {
		resp, err := client.Get(url)
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) == want {
			return true
		}
	}
	return false
}

// imageFromArchive builds the CI image (release/Dockerfile) from the
// archive's programs and the host's CA certificates, as task image does,
// with the test bed's Docker Engine, and runs devspace version and the
// hello example's greet pipeline in it.
func imageFromArchive(t *testing.T, r *release) {
	denv := testbed.Docker(t)
	docker, err := exec.LookPath("docker")
	if err != nil {
		testbed.Require(t, "the docker client builds the image: apt-get install docker.io")
		return
	}
	const certs = "/etc/ssl/certs/ca-certificates.crt"
	if _, err := os.Stat(certs); err != nil {
		testbed.Require(t, certs+" goes into the image: apt-get install ca-certificates")
		return
	}
	ctx := t.TempDir()
	for _, src := range []string{"../../release/Dockerfile", certs} {
		copyFile(t, src, filepath.Join(ctx, filepath.Base(src)))
	}
	bin := r.bin(t)
	for _, name := range []string{"devspace", "devspace-helm", "devspace-sync-agent-linux-amd64", "devspace-sync-agent-linux-arm64"} {
		copyFile(t, filepath.Join(bin, name), filepath.Join(ctx, name))
	}
	if err := os.Mkdir(filepath.Join(ctx, "tmp"), 0o777); err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("devspace-test/release:%08x", rand.Uint32())
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(docker, args...)
		// The legacy builder: the test bed's daemon has no BuildKit.
		cmd.Env = append(os.Environ(), "DOCKER_HOST="+denv.Host, "DOCKER_BUILDKIT=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("build", "-t", tag, ctx)
	t.Cleanup(func() { _ = exec.Command(docker, "-H", denv.Host, "rmi", "-f", tag).Run() })
	if out := run("run", "--rm", "--network", "none", tag, "version"); !strings.HasPrefix(out, "devspace "+r.version+" (commit "+r.commit) {
		t.Errorf("devspace version in the image printed %q", out)
	}
	project := copyDir(t, "../../examples/pipelines/hello")
	out := run("run", "--rm", "--network", "none", "-v", project+":/project", tag, "run-pipeline", "greet", "--name", "ci", "--times", "2")
	if out != "hello, ci!\nhello, ci!\n" {
		t.Errorf("the greet pipeline in the image printed %q", out)
	}
}

func copyFile(t *testing.T, src, dst string) {
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, info.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}
