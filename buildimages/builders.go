package buildimages

import (
	"context"
	"fmt"
	"sync"

	"github.com/devspace-engine/devspace/buildkit"
	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/kaniko"
)

// This file is where the builders are wired: a new builder is a case in
// builder (and, when it runs in the cluster, a field of clusterBuilders).

// builder sends each request to the builder of its kind.
func (r *buildRun) builder() imagebuild.Builder {
	return imagebuild.BuilderFunc(func(ctx context.Context, req imagebuild.Request) (imagebuild.Result, error) {
		switch {
		case req.OnDaemon():
			d, err := r.opts.Connections.Docker(ctx)
			if err != nil {
				return imagebuild.Result{}, err
			}
			return d.Build(ctx, req)
		case req.Kind == imagebuild.KindCustom:
			return r.custom(ctx, req)
		case req.InCluster():
			cb, err := r.clusterBuilders()
			if err != nil {
				return imagebuild.Result{}, err
			}
			if req.Kind == imagebuild.KindKaniko {
				return cb.kaniko.Build(ctx, req)
			}
			return cb.buildkit.Build(ctx, req)
		}
		return imagebuild.Result{}, fmt.Errorf("%s builds are not available in this version yet: build this image with docker or custom", req.Kind)
	})
}

// clusterBuilders are the in-cluster builders of one build_images call,
// made on first use: a call that builds nothing in the cluster reads no
// kubeconfig.
type clusterBuilders struct {
	once     sync.Once
	kaniko   *kaniko.Builder
	buildkit *buildkit.Builder
	err      error

	credsOnce sync.Once
	creds     *docker.Credentials
	credsErr  error
}

// clusterBuilders makes the call's in-cluster builders, once.
func (r *buildRun) clusterBuilders() (*clusterBuilders, error) {
	r.cluster.once.Do(func() {
		client, err := r.opts.Connections.Kube()
		if err != nil {
			r.cluster.err = fmt.Errorf("kaniko and in-cluster BuildKit builds run in the cluster: %w", err)
			return
		}
		creds, err := r.registry()
		if err != nil {
			r.cluster.err = err
			return
		}
		r.cluster.kaniko = &kaniko.Builder{Client: client, Logins: creds}
		r.cluster.buildkit = &buildkit.Builder{Client: client, Creds: creds}
	})
	return &r.cluster, r.cluster.err
}

// closeCluster closes the connections to in-cluster BuildKit daemons.
func (r *buildRun) closeCluster() {
	if r.cluster.buildkit != nil {
		_ = r.cluster.buildkit.Close()
	}
}
