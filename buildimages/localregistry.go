package buildimages

import (
	"context"
	"fmt"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/localregistry"
)

// toLocalRegistry says whether img goes to the in-cluster local registry
// (see localregistry.Use.Applies); it is decided before the request, as
// it overrides the local cluster's skipped push.
func (r *buildRun) toLocalRegistry(img *config.Image, onDaemon bool) bool {
	cfg := r.opts.Config
	use := localregistry.Use{Context: cfg.Variables["DEVSPACE_CONTEXT"], LoggedIn: r.loggedIn}
	if cfg.LocalRegistry != nil {
		use.Enabled = cfg.LocalRegistry.Enabled
	}
	_, use.LocalCluster = imagebuild.DetectLocalCluster(use.Context, r.opts.Getenv)
	return use.Applies(img.Image, onDaemon, !(img.SkipPush || r.opts.SkipPush))
}

// loggedIn says whether the Docker config has a login for host.
func (r *buildRun) loggedIn(host string) bool {
	creds, err := r.registry()
	if err != nil {
		return false
	}
	user, password, err := creds.Login(host)
	return err == nil && (user != "" || password != "")
}

// rewriteToLocalRegistry starts (or reuses) the local registry when an
// image goes there and names those images after it, so they are tagged,
// pushed and deployed as localhost:NODEPORT/PATH.
func (r *buildRun) rewriteToLocalRegistry(ctx context.Context, reqs []imagebuild.Request) error {
	for i := range reqs {
		req := &reqs[i]
		if !r.toRegistry[req.Name] || !req.OnDaemon() {
			continue
		}
		if r.opts.Connections.LocalRegistry == nil {
			return fmt.Errorf("image %q: the local registry is not available here", req.Name)
		}
		reg, err := r.opts.Connections.LocalRegistry(ctx, r.opts.Config, req.Log)
		if err != nil {
			return fmt.Errorf("image %q: %w", req.Name, err)
		}
		req.RegistryForgets = true
		if req.Image, err = reg.Rewrite(req.Image); err != nil {
			return fmt.Errorf("image %q: %w", req.Name, err)
		}
		fmt.Fprintf(req.Log, "Using the local registry: %s\n", req.Image)
	}
	return nil
}
