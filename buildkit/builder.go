// Package buildkit builds images on a BuildKit daemon that runs in the
// cluster (`buildKit.inCluster`): one buildkitd pod per name and
// namespace, created on first use and reused by later runs (its cache
// with it), recreated when its settings change, and reached through the
// BuildKit Go client over `buildctl dial-stdio` exec'd in the pod — no
// docker, buildx or buildctl binary on this machine. Build contexts and
// registry credentials go through the client's session, so a rebuild
// sends only the files that changed and no credential is stored in the
// cluster. Local builds the multi-platform images of builds without
// inCluster the same way, on a buildkitd container on the Docker Engine.
package buildkit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	bkclient "github.com/moby/buildkit/client"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/kube"
)

// Builder builds images on in-cluster daemons. One Builder serves every
// build of a build_images call: builds on the same daemon share one
// client connection.
type Builder struct {
	Client *kube.Client
	// Creds answer the daemon's registry credential requests and provide
	// the build session.
	Creds *docker.Credentials

	mu      sync.Mutex
	daemons map[string]*daemonConn
}

// daemonConn is one daemon made ready once and its client.
type daemonConn struct {
	once   sync.Once
	client *bkclient.Client
	err    error
}

// Build builds req on its daemon (made ready first) and pushes every tag
// when req.Push.
func (b *Builder) Build(ctx context.Context, req imagebuild.Request) (imagebuild.Result, error) {
	d := b.daemon(req.Config)
	bk, err := b.connect(ctx, d, req)
	if err != nil {
		return imagebuild.Result{}, err
	}
	res, err := b.Creds.Solve(ctx, bk, req, req.Log)
	if err != nil {
		return imagebuild.Result{}, fmt.Errorf("on BuildKit daemon %s: %w", d, err)
	}
	return res, nil
}

// daemon is the daemon an image's settings name: inCluster.name (default
// devspace-buildkit) in inCluster.namespace (default: the kube
// context's).
func (b *Builder) daemon(img *config.Image) Daemon {
	s := img.BuildKit.InCluster
	return Daemon{Name: cmp.Or(s.Name, DefaultName), Namespace: cmp.Or(s.Namespace, b.Client.Namespace), Settings: s}
}

// connect makes the daemon ready and opens its client, once per daemon.
// Images that name the same daemon with different settings would fight
// over its pod: the first one's settings win for this run.
func (b *Builder) connect(ctx context.Context, d Daemon, req imagebuild.Request) (*bkclient.Client, error) {
	b.mu.Lock()
	if b.daemons == nil {
		b.daemons = map[string]*daemonConn{}
	}
	dc := b.daemons[d.String()]
	if dc == nil {
		dc = &daemonConn{}
		b.daemons[d.String()] = dc
	}
	b.mu.Unlock()
	dc.once.Do(func() {
		if dc.err = d.ensure(ctx, b.Client, req.Log); dc.err != nil {
			return
		}
		pod := kube.Pod{Namespace: d.Namespace, Name: d.Name, Container: containerName}
		dc.client, dc.err = bkclient.New(context.WithoutCancel(ctx), "tcp://buildkitd",
			bkclient.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
				return dialStdio(ctx, b.Client, pod)
			}))
	})
	if dc.err != nil {
		return nil, dc.err
	}
	return dc.client, nil
}

// Close closes the daemons' clients (the daemons keep running).
func (b *Builder) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	for _, dc := range b.daemons {
		if dc.client != nil {
			errs = append(errs, dc.client.Close())
		}
	}
	return errors.Join(errs...)
}
