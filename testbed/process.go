package testbed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

const (
	pingTimeout  = 10 * time.Second
	startTimeout = 60 * time.Second
	stopTimeout  = 20 * time.Second
)

const installHint = "install them with testbed/install.sh (apt-get install docker.io docker-registry busybox-static)"

type binaries struct{ dockerd, registry string }

// findBinaries looks for dockerd and docker-registry also in the sbin
// directories a non-root PATH may lack.
func findBinaries(needDockerd, needRegistry bool, lookPath func(string) string) (binaries, string) {
	var b binaries
	var missing []string
	if needDockerd {
		if b.dockerd = lookPath("dockerd"); b.dockerd == "" {
			missing = append(missing, "dockerd")
		}
	}
	if needRegistry {
		if b.registry = lookPath("docker-registry"); b.registry == "" {
			missing = append(missing, "docker-registry")
		}
	}
	if len(missing) > 0 {
		return b, fmt.Sprintf("%s not installed and %s/%s not set: %s",
			strings.Join(missing, " and "), EnvDockerHost, EnvRegistry, installHint)
	}
	return b, ""
}

func lookPath(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/sbin", "/usr/local/sbin", "/usr/local/bin"} {
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p
		}
	}
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// process is a daemon started by the test bed.
type process struct {
	name   string
	host   string // unix://… or host:port
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has been waited for
	log    string
	// release ends the goroutine that holds the thread the process was
	// started from (see startProcess).
	release chan struct{}
}

// startProcess starts a daemon in its own process group, logging to
// logFile. It is started from a goroutine locked to its OS thread that
// lives as long as the daemon, so the parent-death signal (SIGTERM) only
// fires when the test process itself ends: then no daemon outlives the
// tests, even without Main.
func startProcess(name, logFile string, argv ...string) (*process, error) {
	logf, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	p := &process{name: name, log: logFile, exited: make(chan struct{}), release: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		err := p.cmd.Start()
		started <- err
		if err == nil {
			_ = p.cmd.Wait()
			close(p.exited)
		}
		logf.Close()
		<-p.release
	}()
	if err := <-started; err != nil {
		close(p.release)
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	return p, nil
}

// stop sends SIGTERM, waits, then kills the process group.
func (p *process) stop() {
	defer close(p.release)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return
	case <-time.After(stopTimeout):
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.exited
}

// failed returns err with the tail of the process log.
func (p *process) failed(err error) error {
	data, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return fmt.Errorf("%s: %w\n%s (log %s):\n  %s", p.name, err, p.name, p.log, strings.Join(lines, "\n  "))
}

// daemonJSON is the test daemon's whole configuration.
const daemonJSON = `{"features": {"buildkit": true}}` + "\n"

// startDockerd starts a daemon with a private socket and state under dir,
// changing nothing on the host's network (no bridge, no iptables).
func startDockerd(bin, dir string) (*process, error) {
	sock := filepath.Join(dir, "docker.sock")
	cfg := filepath.Join(dir, "daemon.json")
	// An explicit daemon.json: the host's /etc/docker/daemon.json (hosts,
	// bridges, registries) must not change this daemon. It only turns
	// BuildKit on, so /_ping announces it (Builder-Version: 2) as most
	// daemons of users do; tests force the legacy builder where they need it.
	if err := os.WriteFile(cfg, []byte(daemonJSON), 0o644); err != nil {
		return nil, err
	}
	p, err := startProcess("dockerd", filepath.Join(dir, "dockerd.log"), bin,
		"--host", "unix://"+sock,
		"--config-file", cfg,
		"--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "exec", "dockerd.pid"),
		"--iptables=false", "--ip-masq=false", "--bridge=none")
	if err != nil {
		return nil, err
	}
	p.host = "unix://" + sock
	if err := waitDocker(p.host, p.exited, startTimeout); err != nil {
		p.stop()
		return nil, p.failed(err)
	}
	return p, nil
}

// startRegistry starts a registry (distribution) on a free port of
// 127.0.0.1 with its storage under dir/name. With an htpasswd file it
// requires a login.
func startRegistry(bin, dir, name, htpasswd string) (*process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cfg := filepath.Join(dir, name+".yml")
	auth := ""
	if htpasswd != "" {
		auth = fmt.Sprintf("auth:\n  htpasswd:\n    realm: devspace-testbed\n    path: %s\n", htpasswd)
	}
	yml := auth + fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
  secret: devspace-testbed
`, filepath.Join(dir, name), addr)
	if err := os.WriteFile(cfg, []byte(yml), 0o644); err != nil {
		return nil, err
	}
	p, err := startProcess("docker-registry", filepath.Join(dir, name+".log"), bin, "serve", cfg)
	if err != nil {
		return nil, err
	}
	p.host = addr
	if err := waitRegistry(addr, p.exited, startTimeout); err != nil {
		p.stop()
		return nil, p.failed(err)
	}
	return p, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitDocker polls the daemon's /_ping until it answers OK, the process
// exits (exited closes) or the timeout passes.
func waitDocker(host string, exited <-chan struct{}, timeout time.Duration) error {
	hc, base, err := httpClientFor(host)
	if err != nil {
		return err
	}
	return poll(base+"/_ping", hc, exited, timeout)
}

// waitRegistry polls GET /v2/ until it answers 200 (or 401 Unauthorized,
// from a registry that requires a login).
func waitRegistry(addr string, exited <-chan struct{}, timeout time.Duration) error {
	return poll("http://"+addr+"/v2/", http.DefaultClient, exited, timeout, http.StatusUnauthorized)
}

func httpClientFor(host string) (*http.Client, string, error) {
	switch {
	case strings.HasPrefix(host, "unix://"):
		sock := strings.TrimPrefix(host, "unix://")
		tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		}}
		return &http.Client{Transport: tr}, "http://docker", nil
	case strings.HasPrefix(host, "tcp://"):
		return http.DefaultClient, "http://" + strings.TrimPrefix(host, "tcp://"), nil
	}
	return nil, "", fmt.Errorf("unsupported docker host %q (want unix:// or tcp://)", host)
}

// poll GETs url until it answers 200 (or one of alsoOK), the process
// exits (exited closes) or the timeout passes.
func poll(url string, hc *http.Client, exited <-chan struct{}, timeout time.Duration, alsoOK ...int) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := hc.Do(req)
		if err == nil {
			var body bytes.Buffer
			_, _ = body.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || slices.Contains(alsoOK, resp.StatusCode) {
				cancel()
				return nil
			}
			err = fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		cancel()
		last = err
		select {
		case <-exited:
			return errors.New("exited before it answered")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer within %s: %w", timeout, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// newStateDir makes the state directory of a test bed owned by this
// process, after removing those whose owning test process is gone (killed
// before Main could clean up). Socket paths must stay short, so a long
// TMPDIR gives way to /tmp.
func newStateDir() (string, error) {
	base := os.TempDir()
	if len(base) > 40 {
		base = "/tmp"
	}
	stale, _ := filepath.Glob(filepath.Join(base, "devspace-testbed-*", "owner.pid"))
	for _, f := range stale {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var pid int
		if _, err := fmt.Sscan(string(data), &pid); err == nil && pid > 0 && errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			removeState(filepath.Dir(f))
		}
	}
	dir, err := os.MkdirTemp(base, "devspace-testbed-")
	if err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(fmt.Sprint(os.Getpid())), 0o644)
}

// removeState deletes a state directory, unmounting what a killed daemon
// may have left mounted below it.
func removeState(dir string) {
	if data, err := os.ReadFile("/proc/self/mounts"); err == nil {
		var mounts []string
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(f[1], dir+"/") {
				mounts = append(mounts, f[1])
			}
		}
		for i := len(mounts) - 1; i >= 0; i-- {
			_ = syscall.Unmount(mounts[i], syscall.MNT_DETACH)
		}
	}
	_ = os.RemoveAll(dir)
}
