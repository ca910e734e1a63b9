package buildimages

import (
	"context"
	"fmt"
	"strings"

	"github.com/devspace-engine/devspace/imagebuild"
)

// localCluster returns the local cluster the current kube context names,
// if pushes to it can be avoided (--skip-push-on-local-kubernetes, on by
// default as in DevSpace).
func (r *buildRun) localCluster() (imagebuild.LocalCluster, bool) {
	if !r.opts.SkipPushLocal || r.opts.SkipPush {
		return imagebuild.LocalCluster{}, false
	}
	cluster, ok := imagebuild.DetectLocalCluster(r.opts.Config.Variables["DEVSPACE_CONTEXT"], r.opts.Getenv)
	if !ok || (!cluster.SharesDaemon && cluster.LoadCommand("x") == nil) {
		return imagebuild.LocalCluster{}, false
	}
	return cluster, true
}

// skipPush says whether this call pushes nothing: --skip-push, or a local
// cluster that needs no push. It is decided (and said) once per call, also
// when graph() adds base images after the selected ones.
func (r *buildRun) skipPush() bool {
	r.skipPushOnce.Do(func() { r.noPush = r.opts.SkipPush || r.localSkipPush() })
	return r.noPush
}

// localSkipPush says why images are not pushed to a local cluster.
func (r *buildRun) localSkipPush() bool {
	cluster, ok := r.localCluster()
	if !ok {
		return false
	}
	how := "its nodes use this Docker Engine's images"
	if !cluster.SharesDaemon {
		how = "built images are loaded into its nodes with " + cluster.LoadCommand("IMAGE")[0]
	}
	fmt.Fprintf(r.opts.Output.Stderr, "build_images: not pushing: kube context %q is a local %s cluster and %s (--skip-push-on-local-kubernetes=false pushes)\n",
		cluster.Context, cluster.Kind, how)
	return true
}

// loadIntoCluster copies the images this call built into a kind or k3d
// cluster's nodes, which cannot see the build daemon's images.
func (r *buildRun) loadIntoCluster(ctx context.Context, outcomes []imagebuild.Outcome) error {
	cluster, ok := r.localCluster()
	if !ok || cluster.SharesDaemon {
		return nil
	}
	for _, o := range outcomes {
		if o.Status != imagebuild.StatusBuilt && o.Status != imagebuild.StatusShared || r.toRegistry[o.Request.Name] {
			continue // the local registry's images are pulled from it
		}
		for _, tag := range o.Request.Tags {
			args := cluster.LoadCommand(o.Request.Image + ":" + tag)
			if err := r.opts.Shell.LookPath(args[0]); err != nil {
				return fmt.Errorf("image %q: kube context %q is a %s cluster, whose nodes cannot see the build daemon's images: install %s, run `%s` yourself, or pass --skip-push-on-local-kubernetes=false to push to the registry",
					o.Request.Name, cluster.Context, cluster.Kind, args[0], strings.Join(args, " "))
			}
			if err := r.opts.Shell.Exec(ctx, "", nil, args); err != nil {
				return fmt.Errorf("image %q: %s: %w", o.Request.Name, strings.Join(args, " "), err)
			}
		}
	}
	return nil
}
