// Package agent puts the sync agent (cmd/devspace-sync-agent) into
// containers: it picks the build for the container's architecture
// (dev.*.arch, else detected), finds it beside devspace, copies it in
// once per container under a name that carries its content hash, and
// checks that it runs there. File sync and reverse port forwarding run it.
package agent

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/devspace-engine/devspace/kube"
)

// agentDir is where the agent is put in the container.
const agentDir = "/tmp"

// Agent copies the sync agent into containers, the build that matches
// each one's architecture. The views ForArch makes share what was read
// and what was learnt about each container.
type Agent struct {
	arch string // the configured architecture; "" detects it per container
	sh   *shared
}

type shared struct {
	find func(arch string) (string, error)

	mu         sync.Mutex
	builds     map[string]*build     // arch → the agent built for it
	containers map[string]*container // pod UID/name/container → its state
}

// build is one architecture's agent, checked and hashed once. Its
// content is not kept in memory (it is megabytes): each install streams
// the file, which must still be the one hashed.
type build struct {
	once  sync.Once
	path  string
	size  int64
	mtime time.Time
	name  string // in the container: versioned by content
	err   error
}

// container serialises installs into one container and remembers its
// detected architecture.
type container struct {
	mu        sync.Mutex
	arch, how string
}

// New returns an agent that asks find for the path of the agent built
// for an architecture (see Find) when a container needs it.
func New(find func(arch string) (string, error)) *Agent {
	return &Agent{sh: &shared{find: find, builds: map[string]*build{}, containers: map[string]*container{}}}
}

// ForArch is a view of a that copies the agent for arch (dev.*.arch)
// into every container instead of detecting theirs; "" detects.
func (a *Agent) ForArch(arch string) *Agent { return &Agent{arch: arch, sh: a.sh} }

// load reads the agent for arch once, checks it is built for arch and
// names it after its content.
func (s *shared) load(arch string) (*build, error) {
	s.mu.Lock()
	b := s.builds[arch]
	if b == nil {
		b = &build{}
		s.builds[arch] = b
	}
	s.mu.Unlock()
	b.once.Do(func() {
		b.path, b.err = s.find(arch)
		if b.err == nil {
			b.err = b.read(arch)
		}
		if b.err != nil {
			b.err = fmt.Errorf("sync agent %s: %w", b.path, b.err)
		}
	})
	return b, b.err
}

// read checks that the agent file is built for arch and names it after
// its content.
func (b *build) read(arch string) error {
	f, err := os.Open(b.path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if err := checkArch(f, arch); err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, info.Size())); err != nil {
		return err
	}
	b.size, b.mtime = info.Size(), info.ModTime()
	b.name = Binary + "-" + hex.EncodeToString(h.Sum(nil)[:6])
	return nil
}

// checkArch fails unless data is a program for linux/arch, so that a
// misplaced build is named before it is copied anywhere.
func checkArch(r io.ReaderAt, arch string) error {
	f, err := elf.NewFile(r)
	if err != nil {
		return fmt.Errorf("not a linux program: %w", err)
	}
	got, err := machineArch(f)
	if err == nil && got != arch {
		err = fmt.Errorf("built for linux/%s, not linux/%s", got, arch)
	}
	if err != nil {
		return fmt.Errorf("%w: rebuild the agents with `task build`", err)
	}
	return nil
}

// containerOf is the state of pod's container.
func (s *shared) containerOf(pod kube.Pod) *container {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := pod.UID + "/" + pod.Name + "/" + pod.Container
	if s.containers[key] == nil {
		s.containers[key] = &container{}
	}
	return s.containers[key]
}

// install puts the agent in the container's /tmp with tar, the one
// tool the container needs; an image without /tmp gets one (mode 1777).
// An empty archive probes for /tmp first: tar that fails before reading
// a large stdin would leave the exec hanging.
func (b *build) install(ctx context.Context, c *kube.Client, pod kube.Pod) error {
	ctx, cancel := context.WithTimeout(ctx, installTimeout)
	defer cancel()
	withDir := kube.Exec(ctx, c, pod, []string{"tar", "-xf", "-", "-C", agentDir}, kube.ExecOptions{Stdin: bytes.NewReader(make([]byte, 1024))}) != nil
	dir := agentDir
	if withDir {
		dir = "/"
	}
	tarball, err := b.open()
	if err != nil {
		return err
	}
	defer tarball.Close()
	var stderr kube.LockedBuffer
	pr, pw := io.Pipe()
	archived := make(chan error, 1)
	go func() { archived <- pw.CloseWithError(b.archive(pw, tarball, withDir)) }() // owned here: waited for below
	err = kube.Exec(ctx, c, pod, []string{"tar", "-xf", "-", "-C", dir}, kube.ExecOptions{Stdin: pr, Stderr: &stderr})
	pr.CloseWithError(io.ErrClosedPipe) // the archive's writes fail if tar stopped reading
	<-archived
	if err != nil {
		return fmt.Errorf("copy the sync agent into %s (the container needs tar and a writable %s): %w %s", pod, agentDir, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// open opens the agent file, which must be as it was when hashed.
func (b *build) open() (*os.File, error) {
	f, err := os.Open(b.path)
	if err != nil {
		return nil, fmt.Errorf("sync agent: %w", err)
	}
	if info, err := f.Stat(); err != nil || info.Size() != b.size || !info.ModTime().Equal(b.mtime) {
		f.Close()
		return nil, fmt.Errorf("sync agent %s changed since devspace read it: restart devspace", b.path)
	}
	return f, nil
}

// installTimeout bounds copying the agent in.
const installTimeout = 2 * time.Minute

// archive writes a tar stream holding the agent (read from data),
// executable, under its versioned name, for extraction in /tmp, or in /
// with the directory tmp.
func (b *build) archive(w io.Writer, data io.Reader, withDir bool) error {
	tw := tar.NewWriter(w)
	name := b.name
	if withDir {
		name = strings.TrimPrefix(agentDir, "/") + "/" + b.name
		if err := tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(agentDir, "/") + "/", Mode: 0o1777, Typeflag: tar.TypeDir}); err != nil {
			return err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: b.size, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := io.Copy(tw, data); err != nil {
		return err
	}
	return tw.Close()
}

// remotePath is where the agent runs from in the container.
func (b *build) remotePath() string { return agentDir + "/" + b.name }

// Ensure installs the agent for the container's architecture in it,
// unless it runs there already, and returns where it runs from.
func (a *Agent) Ensure(ctx context.Context, c *kube.Client, pod kube.Pod) (string, error) {
	ct := a.sh.containerOf(pod)
	ct.mu.Lock()
	defer ct.mu.Unlock()
	arch, how, err := a.archOf(ctx, c, pod, ct)
	if err != nil {
		return "", err
	}
	b, err := a.sh.load(arch)
	if err != nil {
		return "", err
	}
	version := []string{b.remotePath(), "-version"}
	if kube.Exec(ctx, c, pod, version, kube.ExecOptions{}) == nil {
		return b.remotePath(), nil
	}
	if err := b.install(ctx, c, pod); err != nil {
		return "", err
	}
	var stderr kube.LockedBuffer
	if err := kube.Exec(ctx, c, pod, version, kube.ExecOptions{Stderr: &stderr}); err != nil {
		return "", fmt.Errorf("the linux/%s sync agent (%s) does not run in %s: %w %s", arch, how, pod, err, strings.TrimSpace(stderr.String()))
	}
	return b.remotePath(), nil
}

// archOf is the architecture whose agent pod's container gets, and why:
// the configured one, else the one detected (once per container).
func (a *Agent) archOf(ctx context.Context, c *kube.Client, pod kube.Pod, ct *container) (arch, how string, err error) {
	if a.arch != "" {
		return a.arch, "dev.*.arch is " + a.arch, nil
	}
	if ct.arch == "" {
		if ct.arch, ct.how, err = detect(ctx, c, pod); err != nil {
			return "", "", err
		}
	}
	return ct.arch, ct.how, nil
}
