// Package testbed gives tests the real components they need: a Docker
// Engine on a private socket and a registry on 127.0.0.1, started once
// per test process and shared by every test in it, and a base image made
// without pulling (FROM scratch + busybox-static); on demand also a
// registry that requires a login. It is test-support code: import it only
// from _test.go files.
//
// Docker(t) uses the daemon and registry named by DEVSPACE_TEST_DOCKER_HOST
// and DEVSPACE_TEST_REGISTRY when they are set (testbed/start.sh prints
// them), else starts its own. A package that uses it stops what it started
// from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testbed.Main(m)) }
//
// When dockerd or docker-registry is not installed the tests are skipped
// with a hint (testbed/install.sh), except under CI=true, where they fail.
//
// Kube(t) returns the Kubernetes cluster named by DEVSPACE_TEST_KUBECONFIG;
// it never starts one: `eval "$(testbed/testbed up)"` starts everything
// (Docker, both registries, the cluster) and sets all DEVSPACE_TEST_*
// variables. Without it the Kubernetes tests are skipped, except under
// CI=true, where they fail.
package testbed

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/moby/moby/client"
)

// Environment variables that point the tests at running components.
const (
	EnvDockerHost = "DEVSPACE_TEST_DOCKER_HOST"
	EnvRegistry   = "DEVSPACE_TEST_REGISTRY"
)

// DockerEnv is a running Docker Engine and registry.
type DockerEnv struct {
	// Host is the daemon address, as for DOCKER_HOST: unix:///…/docker.sock.
	Host string
	// Registry is host:port of a registry on 127.0.0.1 speaking plain HTTP
	// (the daemon treats 127.0.0.0/8 registries as insecure by default).
	Registry string

	busyboxMu  sync.Mutex
	busyboxRef string
	// registryBusybox maps a tag to busyboxRef pushed to Registry under it.
	registryBusybox map[string]string
}

// Credentials of the registry AuthRegistry starts.
const (
	AuthRegistryUser     = "devspace"
	AuthRegistryPassword = "devspace-pass"
)

// htpasswd holds AuthRegistryUser with a bcrypt hash (cost 4) of
// AuthRegistryPassword.
const htpasswd = AuthRegistryUser + ":$2a$04$hG/Srx.mj0vj.GJrSQOHh.yAo8tcetjr7DU/2RQSCMaBaOc7Dyxa6\n"

// AuthRegistry returns host:port of a second registry on 127.0.0.1 that
// requires a login (AuthRegistryUser, AuthRegistryPassword; plain HTTP):
// the one named by DEVSPACE_TEST_AUTH_REGISTRY (testbed/testbed up starts
// it with these credentials), else one it starts on first use, which needs
// docker-registry installed also when the environment names the main
// registry.
func (e *DockerEnv) AuthRegistry(t testing.TB) string {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.authRegistry == "" && shared.authErr == nil && shared.authSkip == "" {
		shared.authRegistry, shared.authSkip, shared.authErr = startAuthRegistry()
	}
	if !usable(t, shared.authSkip, shared.authErr, inCI()) {
		return ""
	}
	return shared.authRegistry
}

// startAuthRegistry runs under shared.mu.
func startAuthRegistry() (addr, skip string, err error) {
	if addr := os.Getenv(EnvAuthRegistry); addr != "" {
		if err := waitRegistry(addr, nil, pingTimeout); err != nil {
			return "", "", fmt.Errorf("%s=%s does not answer (start it with testbed/testbed up): %w", EnvAuthRegistry, addr, err)
		}
		return addr, "", nil
	}
	bins, skip := findBinaries(false, true, lookPath)
	if skip != "" {
		return "", skip, nil
	}
	if shared.dir == "" {
		if shared.dir, err = newStateDir(); err != nil {
			return "", "", err
		}
	}
	file := filepath.Join(shared.dir, "htpasswd")
	if err := os.WriteFile(file, []byte(htpasswd), 0o644); err != nil {
		return "", "", err
	}
	p, err := startRegistry(bins.registry, shared.dir, "auth-registry", file)
	if err != nil {
		return "", "", err
	}
	shared.procs = append(shared.procs, p)
	return p.host, "", nil
}

// Getenv answers DOCKER_* lookups for a client of this daemon (DOCKER_HOST
// is Host; DOCKER_CONTEXT, DOCKER_CONFIG, DOCKER_CERT_PATH,
// DOCKER_TLS_VERIFY and DOCKER_API_VERSION are unset) and passes other
// names to os.Getenv. It suits options that take a getenv function.
func (e *DockerEnv) Getenv(name string) string {
	switch name {
	case "DOCKER_HOST":
		return e.Host
	case "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "DOCKER_API_VERSION":
		return ""
	}
	return os.Getenv(name)
}

// Environ returns the variables a child process (a devspace binary, the
// docker CLI) needs to use this daemon, to append to os.Environ().
func (e *DockerEnv) Environ() []string {
	return []string{"DOCKER_HOST=" + e.Host, "DOCKER_CONTEXT=", "DOCKER_TLS_VERIFY=", "DOCKER_CERT_PATH="}
}

// API returns an Engine API client for the daemon, closed when t ends.
func (e *DockerEnv) API(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.New(client.WithHost(e.Host))
	if err != nil {
		t.Fatalf("testbed: API client for %s: %v", e.Host, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

var shared struct {
	mu    sync.Mutex
	done  bool
	env   *DockerEnv
	skip  string // why the tests cannot run here
	err   error  // why the test bed failed to start
	procs []*process
	dir   string // state directory of procs

	authRegistry, authSkip string
	authErr                error
}

// Docker returns the shared daemon and registry, starting them on first
// use. It skips t (fails it under CI=true) when they are not installed,
// and fails t when they do not start.
func Docker(t testing.TB) *DockerEnv {
	t.Helper()
	shared.mu.Lock()
	if !shared.done {
		shared.done = true
		shared.env, shared.skip, shared.err = start()
	}
	env, skip, err := shared.env, shared.skip, shared.err
	shared.mu.Unlock()
	if !usable(t, skip, err, inCI()) {
		return nil
	}
	return env
}

// usable skips t when the components are not installed, fails it instead
// under CI (where they must be), fails it when they did not start, and
// says whether the test may go on.
func usable(t testing.TB, skip string, err error, ci bool) bool {
	t.Helper()
	switch {
	case skip != "" && ci:
		t.Fatalf("testbed: %s (CI is set: these tests must run, not skip)", skip)
	case skip != "":
		t.Skipf("testbed: %s", skip)
	case err != nil:
		t.Fatalf("testbed: %v", err)
	default:
		return true
	}
	return false
}

// Main runs the tests, then stops the daemon and registry that Docker
// started (not those named by the environment). Call it from TestMain.
// Without it they are still stopped when the test process exits (they
// get SIGTERM as its children), but their state directory stays behind
// until the next test bed starts and removes it.
func Main(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// Stop stops what Docker started; a later Docker call starts afresh.
func Stop() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range shared.procs {
		wg.Go(p.stop)
	}
	wg.Wait()
	if shared.dir != "" {
		removeState(shared.dir)
	}
	shared.procs, shared.dir = nil, ""
	shared.authRegistry, shared.authSkip, shared.authErr = "", "", nil
	shared.done, shared.env, shared.skip, shared.err = false, nil, "", nil
}

// Require stops t because a component it needs is missing: a skip that
// gives reason (how to get the component), or, under CI=true, a failure —
// there the tests must run, not skip.
func Require(t testing.TB, reason string) {
	t.Helper()
	usable(t, reason, nil, inCI())
}

func inCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// start finds or starts the components. It runs under shared.mu.
func start() (env *DockerEnv, skip string, err error) {
	env = &DockerEnv{Host: os.Getenv(EnvDockerHost), Registry: os.Getenv(EnvRegistry)}
	if env.Host != "" {
		if err := waitDocker(env.Host, nil, pingTimeout); err != nil {
			return nil, "", fmt.Errorf("%s=%s does not answer (start it with testbed/start.sh): %w", EnvDockerHost, env.Host, err)
		}
	}
	if env.Registry != "" {
		if err := waitRegistry(env.Registry, nil, pingTimeout); err != nil {
			return nil, "", fmt.Errorf("%s=%s does not answer (start it with testbed/start.sh): %w", EnvRegistry, env.Registry, err)
		}
	}
	if env.Host != "" && env.Registry != "" {
		return env, "", nil
	}
	bins, skip := findBinaries(env.Host == "", env.Registry == "", lookPath)
	if skip != "" {
		return nil, skip, nil
	}
	dir, err := newStateDir()
	if err != nil {
		return nil, "", err
	}
	shared.dir = dir
	if env.Host == "" {
		d, err := startDockerd(bins.dockerd, dir)
		if err != nil {
			return nil, "", err
		}
		shared.procs = append(shared.procs, d)
		env.Host = d.host
	}
	if env.Registry == "" {
		r, err := startRegistry(bins.registry, dir, "registry", "")
		if err != nil {
			return nil, "", err
		}
		shared.procs = append(shared.procs, r)
		env.Registry = r.host
	}
	return env, "", nil
}

// BuildKitImage is the test bed's buildkitd image ($DEVSPACE_TEST_BUILDKIT_IMAGE);
// without one the test is skipped, or fails under CI. ok is false then.
func BuildKitImage(t testing.TB) (image string, ok bool) {
	t.Helper()
	image = os.Getenv(EnvBuildKitImage)
	if image == "" {
		Require(t, EnvBuildKitImage+` not set: build the test bed's buildkitd image with eval "$(testbed/testbed env)"`)
		return "", false
	}
	return image, true
}
