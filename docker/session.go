package docker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	iofs "io/fs"
	"net"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	clitypes "github.com/docker/cli/cli/config/types"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/moby/buildkit/session/filesync"
	"github.com/moby/moby/client"
	"github.com/tonistiigi/fsutil"
	fstypes "github.com/tonistiigi/fsutil/types"

	"github.com/devspace-engine/devspace/imagebuild"
)

// The directories a BuildKit session serves, under the names the daemon's
// Dockerfile frontend asks for.
const (
	sessionContextDir    = "context"
	sessionDockerfileDir = "dockerfile"
	// sessionDockerfile is the in-memory Dockerfile's name in its directory.
	sessionDockerfile = "Dockerfile"
)

// transferStats counts what a session sent to the daemon: the context
// files it read for filesync, and every byte written on the connection.
type transferStats struct {
	files, fileBytes, connBytes atomic.Int64
}

// buildSession is a BuildKit session for one build: the daemon reaches back
// through it for the build context, the Dockerfile and registry credentials.
type buildSession struct {
	s     *session.Session
	stats *transferStats

	done chan struct{} // closed when Run returned
	err  error         // what Run returned
}

// newBuildSession prepares, but does not yet run, the session of req. The
// "context" directory is req.ContextDir, limited to exactly req.Files when
// the build key listed them (else the frontend's .dockerignore excludes
// apply, and .devspace directories are left out); "dockerfile" holds, in
// memory, req.DockerfileText as Dockerfile and the build's ignore
// patterns as Dockerfile.dockerignore, which the frontend prefers to the
// context's .dockerignore, so both builders ignore the same files.
func newBuildSession(ctx context.Context, req imagebuild.Request, excludes []string, creds *authCache) (*buildSession, error) {
	key, err := sharedKey(req.ContextDir)
	if err != nil {
		return nil, err
	}
	extra, err := optionAttachables(req)
	if err != nil {
		return nil, err
	}
	s, err := session.NewSession(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("BuildKit session: %w", err)
	}
	stats := &transferStats{}
	base, err := fsutil.NewFS(req.ContextDir)
	if err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	}
	now := time.Now().UnixNano()
	dockerfileDir := memFS{
		{name: sessionDockerfile, data: req.DockerfileText, mtime: now},
		{name: sessionDockerfile + ".dockerignore", data: []byte(strings.Join(excludes, "\n") + "\n"), mtime: now},
	}
	keep := keepOnly(req.Files)
	s.Allow(filesync.NewFSSyncProvider(filesync.StaticDirSource{
		sessionContextDir:    &countingFS{FS: base, stats: stats},
		sessionDockerfileDir: dockerfileDir,
	}, func(name string, opt *fsutil.FilterOpt) error {
		if name == sessionContextDir {
			opt.Map = keep
		}
		return nil
	}))
	s.Allow(authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
		AuthConfigProvider: creds.sessionAuth,
	}))
	for _, a := range extra {
		s.Allow(a)
	}
	return &buildSession{s: s, stats: stats}, nil
}

// ID is what the build request names the session by.
func (b *buildSession) ID() string { return b.s.ID() }

// start connects the session to the daemon, in the background, and serves
// it until ctx ends or stop is called.
func (b *buildSession) start(ctx context.Context, api *client.Client) {
	b.done = make(chan struct{})
	go func() {
		defer close(b.done)
		b.err = b.s.Run(ctx, func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
			conn, err := api.DialHijack(ctx, "/session", proto, meta)
			if err != nil {
				return nil, err
			}
			return &countingConn{Conn: conn, n: &b.stats.connBytes}, nil
		})
	}()
}

// failure returns why the session ended on its own, if it did.
func (b *buildSession) failure() error {
	select {
	case <-b.done:
		return b.err
	default:
		return nil
	}
}

// stop ends the session and waits for it.
func (b *buildSession) stop() {
	b.s.Close()
	<-b.done
}

// sharedKey names the context directory to the daemon across sessions: the
// daemon keeps the last copy it received under this key and asks later
// sessions with the same key only for what changed. It must be stable per
// directory (a random key re-sends the whole context every time) and
// distinct between directories and machines that share a daemon.
func sharedKey(contextDir string) (string, error) {
	abs, err := filepath.Abs(contextDir)
	if err != nil {
		return "", fmt.Errorf("build context: %w", err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	host, _ := os.Hostname()
	sum := sha256.Sum256([]byte(host + "\x00" + abs))
	return "devspace-" + hex.EncodeToString(sum[:16]), nil
}

// keepOnly returns a filesync map function that keeps exactly files (and
// the directories above them), or, when files is nil (a request that was
// not hashed), everything but .devspace directories.
func keepOnly(files []imagebuild.ContextFile) fsutil.MapFunc {
	if files == nil {
		return func(p string, st *fstypes.Stat) fsutil.MapResult {
			if st.IsDir() && path.Base(p) == ".devspace" {
				return fsutil.MapResultSkipDir
			}
			return fsutil.MapResultKeep
		}
	}
	keep := make(map[string]bool, len(files))
	for _, f := range files {
		for p := f.Path; p != "." && p != "/" && !keep[p]; p = path.Dir(p) {
			keep[p] = true
		}
	}
	return func(p string, st *fstypes.Stat) fsutil.MapResult {
		switch {
		case keep[filepath.ToSlash(p)]:
			return fsutil.MapResultKeep
		case st.IsDir():
			return fsutil.MapResultSkipDir
		default:
			return fsutil.MapResultExclude
		}
	}
}

// sessionAuth answers the daemon's credential requests (pulls of base
// images during a BuildKit build) from the same per-registry cache as the
// legacy builder and pushes use.
func (c *authCache) sessionAuth(_ context.Context, host string, _ []string, _ authprovider.ExpireCachedAuthCheck) (clitypes.AuthConfig, error) {
	if host == authprovider.DockerHubRegistryHost {
		host = "docker.io"
	}
	a, err := c.get(host)
	if err != nil {
		return clitypes.AuthConfig{}, err
	}
	return clitypes.AuthConfig{
		Username:      a.Username,
		Password:      a.Password,
		Auth:          a.Auth,
		ServerAddress: a.ServerAddress,
		IdentityToken: a.IdentityToken,
		RegistryToken: a.RegistryToken,
	}, nil
}

// countingFS counts the files filesync reads, which are the ones the daemon
// asked for: new or changed since the copy it keeps.
type countingFS struct {
	fsutil.FS
	stats *transferStats
}

func (c *countingFS) Open(p string) (io.ReadCloser, error) {
	rc, err := c.FS.Open(p)
	if err != nil {
		return nil, err
	}
	c.stats.files.Add(1)
	return &countingReader{ReadCloser: rc, n: &c.stats.fileBytes}, nil
}

type countingReader struct {
	io.ReadCloser
	n *atomic.Int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.n.Add(int64(n))
	return n, err
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// memFS is a flat directory of in-memory files served over filesync.
type memFS []memFile

type memFile struct {
	name  string
	data  []byte
	mtime int64
}

// Walk visits every file, or only target when it names one (fsutil stats
// a single path by walking it).
func (m memFS) Walk(ctx context.Context, target string, fn iofs.WalkDirFunc) error {
	target = strings.Trim(filepath.ToSlash(filepath.Clean(target)), "/")
	for _, f := range m {
		if err := ctx.Err(); err != nil {
			return err
		}
		if target != "" && target != "." && target != f.name {
			continue
		}
		// A new mtime per build: filesync compares metadata, not content,
		// with the copy the daemon kept from the last build.
		st := &fstypes.Stat{Path: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: f.mtime}
		if err := fn(f.name, &fsutil.DirEntryInfo{Stat: st}, nil); err != nil {
			return err
		}
	}
	return nil
}

func (m memFS) Open(p string) (io.ReadCloser, error) {
	for _, f := range m {
		if f.name == strings.TrimPrefix(filepath.ToSlash(p), "/") {
			return io.NopCloser(bytes.NewReader(f.data)), nil
		}
	}
	return nil, &iofs.PathError{Op: "open", Path: p, Err: iofs.ErrNotExist}
}
