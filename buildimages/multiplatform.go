package buildimages

import (
	"context"
	"sync"

	"github.com/devspace-engine/devspace/buildkit"
	"github.com/devspace-engine/devspace/imagebuild"
)

// localBuildKit is the call's builder of the images that the Docker
// Engine cannot hold (several platforms) and that name no in-cluster
// daemon: a buildkitd container on the Engine (buildkit.Local), made on
// first use.
type localBuildKit struct {
	once sync.Once
	b    *buildkit.Local
	err  error
}

// onLocalBuildKit says whether req builds on the local buildkitd
// container: a docker or buildKit image of several platforms without
// buildKit.inCluster. It lives only in its registry, yet needs the Docker
// Engine, not the cluster.
func onLocalBuildKit(req imagebuild.Request) bool {
	switch {
	case len(req.Options.Platforms) < 2, req.Config == nil:
		return false
	case req.Config.BuildKit != nil:
		return req.Kind == buildkit.Kind && req.Config.BuildKit.InCluster == nil
	}
	return req.Kind == defaultBuilder
}

// buildsInCluster says whether req builds in the cluster.
func buildsInCluster(req imagebuild.Request) bool {
	return req.InCluster() && !onLocalBuildKit(req)
}

// needsDocker says whether req builds with the Docker Engine.
func needsDocker(req imagebuild.Request) bool {
	return req.OnDaemon() || onLocalBuildKit(req)
}

// buildKitBuild builds a buildKit image: in the cluster with inCluster,
// else (several platforms) on the local buildkitd container.
func (r *buildRun) buildKitBuild(ctx context.Context, req imagebuild.Request) (imagebuild.Result, error) {
	if onLocalBuildKit(req) {
		return r.localBuild(ctx, req)
	}
	return inCluster(buildkit.New)(r, ctx, req)
}

// localBuild builds req on the local buildkitd container.
func (r *buildRun) localBuild(ctx context.Context, req imagebuild.Request) (imagebuild.Result, error) {
	l := &r.local
	l.once.Do(func() {
		d, err := r.opts.Connections.Docker(ctx)
		if err != nil {
			l.err = err
			return
		}
		creds, err := r.registry()
		if err != nil {
			l.err = err
			return
		}
		l.b = &buildkit.Local{Docker: d, Creds: creds, Getenv: r.opts.Getenv}
	})
	if l.err != nil {
		return imagebuild.Result{}, l.err
	}
	return l.b.Build(ctx, req)
}

// closeLocal closes the connection to the local buildkitd (which keeps
// running for later calls).
func (r *buildRun) closeLocal() {
	if r.local.b != nil {
		_ = r.local.b.Close()
	}
}
