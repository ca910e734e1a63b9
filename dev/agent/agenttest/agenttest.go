// Package agenttest builds the sync agent once for the tests that run it
// in the test bed's containers (file sync, reverse port forwarding).
package agenttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/devspace-engine/devspace/dev/agent"
)

var build struct {
	once sync.Once
	path string
	err  error
}

// Agent builds cmd/devspace-sync-agent once for the test bed's containers
// (linux, this machine's architecture, static).
func Agent(t *testing.T) *agent.Agent {
	t.Helper()
	build.once.Do(func() {
		dir, err := os.MkdirTemp("", "devspace-sync-agent-")
		if err != nil {
			build.err = err
			return
		}
		build.path = filepath.Join(dir, agent.Binary)
		cmd := exec.Command("go", "build", "-o", build.path, "github.com/devspace-engine/devspace/cmd/devspace-sync-agent")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = &buildError{err, string(out)}
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return agent.New(build.path)
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "build the sync agent: " + e.err.Error() + "\n" + e.out }
