// Package agent puts the sync agent (cmd/devspace-sync-agent) into
// containers: it finds the binary beside devspace, copies it in once per
// container under a name that carries its content hash, and checks that
// it runs there. File sync and reverse port forwarding run it.
package agent

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/devspace-engine/devspace/companion"
	"github.com/devspace-engine/devspace/kube"
)

// Binary is the name of the sync agent (cmd/devspace-sync-agent),
// and Env the variable that overrides where it is.
const (
	Binary = "devspace-sync-agent"
	Env    = "DEVSPACE_SYNC_AGENT"
)

// agentDir is where the agent is put in the container.
const agentDir = "/tmp"

// Find locates the sync agent as helm.Find does the Helm companion:
// $DEVSPACE_SYNC_AGENT, else the linux/amd64 build where package
// companion looks (the name it ships under; the architecture is fixed
// until dev containers' architectures are).
func Find(getenv func(string) string) (string, error) {
	const file = Binary + "-linux-amd64"
	return companion.Find(getenv, file, Env, "sync needs "+file+" (the sync agent for linux/amd64 containers)")
}

// Agent is the sync agent binary to copy into containers. It is read
// once; the containers it was put in are remembered, so that the syncs
// of one container install it once.
type Agent struct {
	path string

	once sync.Once
	data []byte
	name string // in the container: versioned by content
	err  error

	mu        sync.Mutex
	installed map[string]*sync.Mutex // pod UID/container → its install lock
}

// New returns the agent at path (see Find).
func New(path string) *Agent {
	return &Agent{path: path, installed: map[string]*sync.Mutex{}}
}

// Load reads the agent binary once and names it after its content.
func (a *Agent) Load() error {
	a.once.Do(func() {
		a.data, a.err = os.ReadFile(a.path)
		if a.err != nil {
			a.err = fmt.Errorf("sync agent: %w", a.err)
			return
		}
		sum := sha256.Sum256(a.data)
		a.name = Binary + "-" + hex.EncodeToString(sum[:6])
	})
	return a.err
}

// RemotePath is where the agent runs from in the container.
func (a *Agent) RemotePath() string { return agentDir + "/" + a.name }

// lockFor serialises installs into one container.
func (a *Agent) lockFor(pod kube.Pod) *sync.Mutex {
	a.mu.Lock()
	defer a.mu.Unlock()
	key := pod.UID + "/" + pod.Name + "/" + pod.Container
	if a.installed[key] == nil {
		a.installed[key] = &sync.Mutex{}
	}
	return a.installed[key]
}

// install puts the agent in the container's /tmp with tar, the one
// tool the container needs; an image without /tmp gets one (mode 1777).
// An empty archive probes for /tmp first: tar that fails before reading
// a large stdin would leave the exec hanging.
func (a *Agent) install(ctx context.Context, c *kube.Client, pod kube.Pod) error {
	ctx, cancel := context.WithTimeout(ctx, installTimeout)
	defer cancel()
	withDir := kube.Exec(ctx, c, pod, []string{"tar", "-xf", "-", "-C", agentDir}, kube.ExecOptions{Stdin: bytes.NewReader(make([]byte, 1024))}) != nil
	dir := agentDir
	if withDir {
		dir = "/"
	}
	tarball, err := a.archive(withDir)
	if err != nil {
		return err
	}
	var stderr kube.LockedBuffer
	if err := kube.Exec(ctx, c, pod, []string{"tar", "-xf", "-", "-C", dir}, kube.ExecOptions{Stdin: bytes.NewReader(tarball), Stderr: &stderr}); err != nil {
		return fmt.Errorf("copy the sync agent into %s (the container needs tar and a writable %s): %w %s", pod, agentDir, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// installTimeout bounds copying the agent in.
const installTimeout = 2 * time.Minute

// archive is a tar stream holding the agent, executable, under its
// versioned name, for extraction in /tmp, or in / with the directory
// tmp.
func (a *Agent) archive(withDir bool) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	name := a.name
	if withDir {
		name = strings.TrimPrefix(agentDir, "/") + "/" + a.name
		if err := tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(agentDir, "/") + "/", Mode: 0o1777, Typeflag: tar.TypeDir}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(a.data)), Typeflag: tar.TypeReg}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(a.data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Ensure installs the agent in the container unless it runs there
// already.
func (a *Agent) Ensure(ctx context.Context, c *kube.Client, pod kube.Pod) error {
	lock := a.lockFor(pod)
	lock.Lock()
	defer lock.Unlock()
	version := []string{a.RemotePath(), "-version"}
	if kube.Exec(ctx, c, pod, version, kube.ExecOptions{}) == nil {
		return nil
	}
	if err := a.install(ctx, c, pod); err != nil {
		return err
	}
	var stderr kube.LockedBuffer
	if err := kube.Exec(ctx, c, pod, version, kube.ExecOptions{Stderr: &stderr}); err != nil {
		return fmt.Errorf("the sync agent does not run in %s (is the container linux/%s, the agent's architecture?): %w %s", pod, agentArchHint, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// agentArchHint names the architecture task build gives the agent.
const agentArchHint = "amd64, unless built with another GOARCH"
