package buildimages

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/kaniko"
	"github.com/devspace-engine/devspace/kube"
)

// clusterBuilders are the in-cluster builders of one build_images call,
// made on first use: a call that builds nothing in the cluster reads no
// kubeconfig.
type clusterBuilders struct {
	once   sync.Once
	client *kube.Client
	err    error

	mu       sync.Mutex
	builders map[*imagebuild.Kind]imagebuild.Builder

	credsOnce sync.Once
	creds     *docker.Credentials
	credsErr  error
}

// clusterBuilders connects the call to the cluster, once.
func (r *buildRun) clusterBuilders() (*clusterBuilders, error) {
	r.cluster.once.Do(func() {
		client, err := r.opts.Connections.Kube()
		if err != nil {
			r.cluster.err = fmt.Errorf("kaniko and in-cluster BuildKit builds run in the cluster: %w", err)
			return
		}
		if _, err := r.registry(); err != nil {
			r.cluster.err = err
			return
		}
		r.cluster.client = client
	})
	return &r.cluster, r.cluster.err
}

// inCluster wires a builder that runs in the cluster: made on first use
// from the call's cluster connection and registry logins, then shared by
// the call's images of its kind.
func inCluster[B imagebuild.Builder](newBuilder func(*kube.Client, *docker.Credentials) B) buildFunc {
	return func(r *buildRun, ctx context.Context, req imagebuild.Request) (imagebuild.Result, error) {
		cb, err := r.clusterBuilders()
		if err != nil {
			return imagebuild.Result{}, err
		}
		cb.mu.Lock()
		b, ok := cb.builders[req.Kind]
		if !ok {
			b = newBuilder(cb.client, cb.creds)
			if cb.builders == nil {
				cb.builders = map[*imagebuild.Kind]imagebuild.Builder{}
			}
			cb.builders[req.Kind] = b
		}
		cb.mu.Unlock()
		return b.Build(ctx, req)
	}
}

// closeCluster closes what the call's in-cluster builders hold open (the
// connections to BuildKit daemons).
func (r *buildRun) closeCluster() {
	r.cluster.mu.Lock()
	defer r.cluster.mu.Unlock()
	for _, b := range r.cluster.builders {
		if c, ok := b.(io.Closer); ok {
			_ = c.Close()
		}
	}
}

// registry looks images and base images up in their registries without a
// daemon, for images built in the cluster; the in-cluster builders push
// with the same logins. The Docker config is read once per call.
func (r *buildRun) registry() (*docker.Credentials, error) {
	cb := &r.cluster
	cb.credsOnce.Do(func() {
		cb.creds, cb.credsErr = docker.NewCredentials(r.opts.Getenv)
		if cb.creds != nil && r.opts.Secrets != nil {
			cb.creds.Seen = func(s string) { r.opts.Secrets.Add(s) }
		}
	})
	return cb.creds, cb.credsErr
}

// fallBackToKaniko moves docker images to kaniko when no Docker daemon can
// be reached, as the seeds order the builders ("docker, with kaniko as the
// fallback when the Docker host is not reachable"), unless
// docker.disableFallback is set. It says which daemon failed and which
// images go to the cluster instead. Other daemon errors stay errors.
func (r *buildRun) fallBackToKaniko(ctx context.Context, reqs []imagebuild.Request) {
	var candidates []int
	for i, req := range reqs {
		// kaniko builds one platform: a multi-platform image needs the
		// Engine for its buildkitd container.
		if req.Kind == docker.Kind && !disableFallback(req) && len(req.Options.Platforms) < 2 {
			candidates = append(candidates, i)
		}
	}
	if len(candidates) == 0 {
		return
	}
	_, err := r.opts.Connections.Docker(ctx)
	var unreachable *docker.DaemonUnreachableError
	if !errors.As(err, &unreachable) {
		return
	}
	if _, err := r.clusterBuilders(); err != nil {
		fmt.Fprintf(r.opts.Output.Stderr, "build_images: no kaniko fallback for the unreachable Docker daemon: %v\n", err)
		return
	}
	var names []string
	for _, i := range candidates {
		reqs[i].Kind = kaniko.Kind
		reqs[i].Push = !(reqs[i].Config.SkipPush || r.opts.SkipPush)
		names = append(names, reqs[i].Name)
	}
	ep := unreachable.Endpoint
	fmt.Fprintf(r.opts.Output.Stderr, "build_images: the Docker daemon at %s (context %q, chosen by %s) cannot be reached (%v): building %s with kaniko in the cluster instead (images.*.docker.disableFallback: true turns this off)\n",
		ep.Host, ep.Context, ep.Source, rootCause(unreachable.Err), strings.Join(names, ", "))
}

func disableFallback(req imagebuild.Request) bool {
	d := req.Config.Docker
	return d != nil && d.DisableFallback != nil && *d.DisableFallback
}

// rootCause is the innermost error's text: "connect: no such file or
// directory", not the client's whole advice.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
