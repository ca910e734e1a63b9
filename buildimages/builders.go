package buildimages

import (
	"context"
	"fmt"

	"github.com/devspace-engine/devspace/buildkit"
	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/kaniko"
)

// This file is where the builders are wired: a new builder is one line in
// builders. Its Kind, declared in its own package, tells the build core
// how an `images:` entry asks for it, where its images live and what of
// its options enters the build key.

// builders are the image builders, in the order an `images:` entry picks
// them: the first whose section it has. An entry that names none builds
// with defaultBuilder.
var builders = []wiredBuilder{
	{customKind, (*buildRun).custom},
	// On the Docker Engine; several platforms on a buildkitd container
	// there (multiplatform.go).
	{docker.Kind, (*buildRun).localBuild},
	{buildkit.Kind, (*buildRun).buildKitBuild},
	{kaniko.Kind, inCluster(kaniko.New)},
}

// defaultBuilder builds an image whose entry names no builder.
var defaultBuilder = docker.Kind

// kinds are the wired builders as the build core sees them.
var kinds = kindsOf(builders, defaultBuilder)

// wiredBuilder is a builder kind and how a call builds with it. Images
// that live on a Docker Engine (imagebuild.PlaceDaemon), whatever their
// kind, build on the call's daemon connection; the others with build.
type wiredBuilder struct {
	kind  *imagebuild.Kind
	build buildFunc
}

// buildFunc builds one image within a build_images call.
type buildFunc func(r *buildRun, ctx context.Context, req imagebuild.Request) (imagebuild.Result, error)

func kindsOf(wired []wiredBuilder, def *imagebuild.Kind) imagebuild.Kinds {
	ks := imagebuild.Kinds{Default: def}
	for _, w := range wired {
		ks.List = append(ks.List, w.kind)
	}
	return ks
}

// builder sends each request to the builder of its kind.
func (r *buildRun) builder() imagebuild.Builder {
	return imagebuild.BuilderFunc(func(ctx context.Context, req imagebuild.Request) (imagebuild.Result, error) {
		if req.OnDaemon() {
			d, err := r.opts.Connections.Docker(ctx)
			if err != nil {
				return imagebuild.Result{}, err
			}
			return d.Build(ctx, req)
		}
		for _, w := range builders {
			if w.kind == req.Kind && w.build != nil {
				return w.build(r, ctx, req)
			}
		}
		return imagebuild.Result{}, fmt.Errorf("%s builds are not available in this version yet: build this image with docker or custom", req.Kind)
	})
}
