package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// BuildKitd is a buildkitd container on the Engine, for the builds the
// Engine's own BuildKit cannot do (a multi-platform image: an OCI index,
// which its image store cannot hold), the way buildx's docker-container
// driver runs one: privileged, its state in a volume, created on first
// use and reused by later runs (its cache with it). It shares the host's
// network, so a registry on the host's loopback is reached as the Engine
// reaches it.
type BuildKitd struct {
	Name, Image string
}

const (
	// labelBuildKitd marks the containers devspace starts.
	labelBuildKitd = "devspace.sh/buildkitd"
	// buildkitdSocket is where buildkitd listens in its container.
	buildkitdSocket = "unix:///run/buildkit/buildkitd.sock"
)

// EnsureBuildKitd makes d's container exist from d.Image and run: a
// container of another image is replaced, a stopped one started. log
// hears what was done.
func (b *Builder) EnsureBuildKitd(ctx context.Context, d BuildKitd, log io.Writer) error {
	for range 2 { // a second round after losing a race to create it
		cur, err := b.api.ContainerInspect(ctx, d.Name, client.ContainerInspectOptions{})
		switch {
		case cerrdefs.IsNotFound(err):
			err = b.createBuildKitd(ctx, d, log, "Started")
			if cerrdefs.IsConflict(err) {
				continue // another devspace created it just now
			}
			return err
		case err != nil:
			return fmt.Errorf("buildkitd container %s: %w", d.Name, err)
		}
		c := cur.Container
		if c.Config != nil && c.Config.Image != d.Image {
			if _, err := b.api.ContainerRemove(ctx, d.Name, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !cerrdefs.IsNotFound(err) {
				return fmt.Errorf("remove buildkitd container %s (of image %s): %w", d.Name, c.Config.Image, err)
			}
			return b.createBuildKitd(ctx, d, log, "Replaced")
		}
		if c.State == nil || !c.State.Running {
			if _, err := b.api.ContainerStart(ctx, d.Name, client.ContainerStartOptions{}); err != nil {
				return fmt.Errorf("start buildkitd container %s: %w", d.Name, err)
			}
			fmt.Fprintf(log, "Restarted buildkitd container %s\n", d.Name)
		}
		return nil
	}
	return fmt.Errorf("buildkitd container %s: created and removed by someone else meanwhile", d.Name)
}

func (b *Builder) createBuildKitd(ctx context.Context, d BuildKitd, log io.Writer, verb string) error {
	if err := b.pullIfMissing(ctx, d.Image, log); err != nil {
		return err
	}
	err := b.startBuildKitd(ctx, d, privileged)
	how := "privileged"
	if err != nil && strings.Contains(err.Error(), "operation not permitted") {
		// An Engine that itself runs without every capability (in a
		// container, some CI machines) cannot start privileged
		// containers; buildkitd also runs with SYS_ADMIN and no
		// seccomp/AppArmor confinement, as rootful BuildKit pods do.
		err = b.startBuildKitd(ctx, d, sysAdmin)
		how = "with SYS_ADMIN, unconfined: the Engine refused a privileged container"
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "%s buildkitd container %s (%s, %s); it is kept for later builds (docker rm -f %s removes it)\n", verb, d.Name, d.Image, how, d.Name)
	return nil
}

// The two ways buildkitd's container may be allowed to make the
// containers of RUN steps.
var (
	privileged = container.HostConfig{Privileged: true, NetworkMode: "host"}
	sysAdmin   = container.HostConfig{NetworkMode: "host", CapAdd: []string{"SYS_ADMIN"},
		SecurityOpt: []string{"seccomp=unconfined", "apparmor=unconfined"}}
)

// startBuildKitd creates and starts d's container with host; one that
// does not start is removed.
func (b *Builder) startBuildKitd(ctx context.Context, d BuildKitd, host container.HostConfig) error {
	_, err := b.api.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: d.Name,
		Config: &container.Config{
			Image:  d.Image,
			Cmd:    []string{"--addr", buildkitdSocket},
			Labels: map[string]string{labelBuildKitd: "true"},
		},
		HostConfig: &host,
	})
	if err != nil {
		return fmt.Errorf("create buildkitd container %s from %s: %w", d.Name, d.Image, err)
	}
	if _, err := b.api.ContainerStart(ctx, d.Name, client.ContainerStartOptions{}); err != nil {
		_, _ = b.api.ContainerRemove(context.WithoutCancel(ctx), d.Name, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		return fmt.Errorf("start buildkitd container %s: %w", d.Name, err)
	}
	return nil
}

// pullIfMissing pulls ref into the Engine unless it has it, with the
// Docker config's login for its registry.
func (b *Builder) pullIfMissing(ctx context.Context, ref string, log io.Writer) error {
	if _, err := b.api.ImageInspect(ctx, ref); err == nil {
		return nil
	} else if !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("look up image %s: %w", ref, err)
	}
	host, err := registryHost(ref)
	if err != nil {
		return err
	}
	auth, err := b.creds.header(host)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "Pulling %s\n", ref)
	resp, err := b.api.ImagePull(ctx, ref, client.ImagePullOptions{RegistryAuth: auth})
	if err == nil {
		err = resp.Wait(ctx)
	}
	if err != nil {
		return registryError("pull the buildkitd image "+ref, host, err)
	}
	return nil
}

// DialBuildKitd connects to buildkitd in d's container through `buildctl
// dial-stdio` exec'd there: the BuildKit client's gRPC stream travels in
// the exec's stdin and stdout, so the daemon needs no port. The
// connection lives until Close, not until ctx.
func (b *Builder) DialBuildKitd(ctx context.Context, d BuildKitd) (net.Conn, error) {
	exec, err := b.api.ExecCreate(ctx, d.Name, client.ExecCreateOptions{
		AttachStdin: true, AttachStdout: true, AttachStderr: true,
		Cmd: []string{"buildctl", "--addr", buildkitdSocket, "dial-stdio"},
	})
	if err != nil {
		return nil, fmt.Errorf("buildkitd container %s: %w", d.Name, err)
	}
	hj, err := b.api.ExecAttach(ctx, exec.ID, client.ExecAttachOptions{})
	if err != nil {
		return nil, fmt.Errorf("buildkitd container %s: %w", d.Name, err)
	}
	r, w := io.Pipe()
	conn := &execConn{hj: hj.HijackedResponse, r: r, done: make(chan struct{})}
	go func() {
		defer close(conn.done)
		// The exec's output comes multiplexed (no TTY): stdout is the
		// stream, stderr only explains a failure.
		_, err := stdcopy.StdCopy(w, &conn.stderr, hj.Reader)
		if msg := strings.TrimSpace(conn.stderr.String()); msg != "" {
			err = errors.Join(err, fmt.Errorf("buildctl dial-stdio: %s", msg))
		}
		if err == nil {
			err = io.EOF
		}
		w.CloseWithError(err)
	}()
	return conn, nil
}

// execConn is a net.Conn over an exec's hijacked connection: writes go
// to its stdin, reads come from its demultiplexed stdout. Deadlines are
// not supported (gRPC does not need them on its transport).
type execConn struct {
	hj     client.HijackedResponse
	r      *io.PipeReader
	stderr lockedBuffer
	done   chan struct{}
	once   sync.Once
}

func (c *execConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *execConn) Write(p []byte) (int, error) { return c.hj.Conn.Write(p) }

// Close ends the exec (buildctl exits when its stdin closes) and waits
// for the reading goroutine.
func (c *execConn) Close() error {
	c.once.Do(func() {
		_ = c.hj.CloseWrite()
		c.hj.Close()
		c.r.Close()
		<-c.done
	})
	return nil
}

func (c *execConn) LocalAddr() net.Addr              { return execAddr{} }
func (c *execConn) RemoteAddr() net.Addr             { return execAddr{} }
func (c *execConn) SetDeadline(time.Time) error      { return nil }
func (c *execConn) SetReadDeadline(time.Time) error  { return nil }
func (c *execConn) SetWriteDeadline(time.Time) error { return nil }

type execAddr struct{}

func (execAddr) Network() string { return "exec" }
func (execAddr) String() string  { return "buildctl dial-stdio" }

// lockedBuffer is a strings.Builder safe for a writer and a reader in
// different goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
