// Package agenttest builds the sync agent for the tests that run it in
// the test bed's containers (file sync, reverse port forwarding, agent
// selection), once per architecture a container asks for.
package agenttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/devspace-engine/devspace/dev/agent"
)

var (
	mu     sync.Mutex
	builds = map[string]*result{}
)

type result struct {
	once sync.Once
	path string
	err  error
}

// Build builds cmd/devspace-sync-agent for linux/arch (static), once per
// test binary, and returns its path, named as it ships
// (agent.FileName).
func Build(arch string) (string, error) {
	mu.Lock()
	r := builds[arch]
	if r == nil {
		r = &result{}
		builds[arch] = r
	}
	mu.Unlock()
	r.once.Do(func() {
		dir, err := os.MkdirTemp("", "devspace-sync-agent-")
		if err != nil {
			r.err = err
			return
		}
		r.path = filepath.Join(dir, agent.FileName(arch))
		cmd := exec.Command("go", "build", "-trimpath", "-o", r.path, "github.com/devspace-engine/devspace/cmd/devspace-sync-agent")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
		if out, err := cmd.CombinedOutput(); err != nil {
			r.err = &buildError{arch, err, string(out)}
		}
	})
	return r.path, r.err
}

// Agent is an agent whose builds are made by Build for each architecture
// a container turns out to need. The build for this machine's
// architecture, the test bed's, is made at once, so that a broken build
// fails the test here.
func Agent(t *testing.T) *agent.Agent {
	t.Helper()
	if _, err := Build(runtime.GOARCH); err != nil {
		t.Fatal(err)
	}
	return agent.New(Build)
}

type buildError struct {
	arch string
	err  error
	out  string
}

func (e *buildError) Error() string {
	return "build the linux/" + e.arch + " sync agent: " + e.err.Error() + "\n" + e.out
}
