package buildkit

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	bkclient "github.com/moby/buildkit/client"

	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
)

// The local daemon's container and image, and the variables that
// override them.
const (
	DefaultLocalName = "devspace-buildkitd"
	EnvLocalImage    = "DEVSPACE_BUILDKIT_IMAGE"
	EnvLocalName     = "DEVSPACE_BUILDKIT_CONTAINER"
)

// localReadyTimeout bounds the wait for a new buildkitd to answer.
const localReadyTimeout = time.Minute

// Local builds the images the Docker Engine cannot hold (several
// platforms: one OCI index) on a buildkitd container of that Engine
// (docker.BuildKitd), through the BuildKit Go client, and pushes them.
// One Local serves every such build of a build_images call over one
// client connection; the container outlives the call.
type Local struct {
	Docker *docker.Builder
	// Creds answer the daemon's registry credential requests and provide
	// the build session.
	Creds *docker.Credentials
	// Getenv reads EnvLocalImage and EnvLocalName.
	Getenv func(string) string

	once   sync.Once
	client *bkclient.Client
	daemon docker.BuildKitd
	err    error
}

// LocalDaemon is the container Local builds on: $DEVSPACE_BUILDKIT_CONTAINER
// (default devspace-buildkitd) from $DEVSPACE_BUILDKIT_IMAGE (default
// moby/buildkit, the version this devspace's client speaks).
func LocalDaemon(getenv func(string) string) docker.BuildKitd {
	if getenv == nil {
		getenv = os.Getenv
	}
	return docker.BuildKitd{Name: cmp.Or(getenv(EnvLocalName), DefaultLocalName), Image: cmp.Or(getenv(EnvLocalImage), DefaultImage)}
}

// Build builds req on the local daemon (started first, when needed) and
// pushes every tag when req.Push.
func (l *Local) Build(ctx context.Context, req imagebuild.Request) (imagebuild.Result, error) {
	bk, err := l.connect(ctx, req)
	if err != nil {
		return imagebuild.Result{}, err
	}
	res, err := l.Creds.Solve(ctx, bk, req, req.Log)
	if err != nil {
		return imagebuild.Result{}, fmt.Errorf("on buildkitd container %s: %w", l.daemon.Name, err)
	}
	if !req.Push {
		fmt.Fprintf(req.Log, "not pushed (skipPush): a multi-platform image is kept only in the cache of buildkitd container %s, where nothing can run it\n", l.daemon.Name)
	}
	return res, nil
}

// connect makes the container ready and opens the client, once.
func (l *Local) connect(ctx context.Context, req imagebuild.Request) (*bkclient.Client, error) {
	l.once.Do(func() {
		l.daemon = LocalDaemon(l.Getenv)
		if l.err = l.Docker.EnsureBuildKitd(ctx, l.daemon, req.Log); l.err != nil {
			return
		}
		l.client, l.err = bkclient.New(context.WithoutCancel(ctx), "tcp://buildkitd",
			bkclient.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
				return l.Docker.DialBuildKitd(ctx, l.daemon)
			}))
		if l.err == nil {
			l.err = waitAnswers(ctx, l.client, l.daemon.Name)
		}
	})
	return l.client, l.err
}

// waitAnswers waits until a just started buildkitd lists its workers.
func waitAnswers(ctx context.Context, bk *bkclient.Client, name string) error {
	ctx, cancel := context.WithTimeout(ctx, localReadyTimeout)
	defer cancel()
	for {
		_, err := bk.ListWorkers(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("buildkitd in container %s did not answer within %s (see docker logs %s): %w", name, localReadyTimeout, name, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Close closes the client (the container keeps running).
func (l *Local) Close() error {
	if l.client != nil {
		return l.client.Close()
	}
	return nil
}
