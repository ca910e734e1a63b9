package buildkit

import (
	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/kube"
)

// Kind is the `buildKit:` builder: on the Docker Engine (as `docker
// buildx` against the same daemon), or with `inCluster` on a BuildKit
// daemon in the cluster, whose images exist only in a registry. A
// multi-platform image without inCluster builds on a local buildkitd
// container (Local) and lives only in its registry too.
var Kind = &imagebuild.Kind{
	Name:   "buildKit",
	Claims: func(img *config.Image) bool { return img.BuildKit != nil },
	Place: func(img *config.Image) imagebuild.Place {
		if img.BuildKit != nil && (img.BuildKit.InCluster != nil || config.SeveralPlatforms(img.BuildKit.Args)) {
			return imagebuild.PlaceRegistry // several platforms: see Local
		}
		return imagebuild.PlaceDaemon
	},
	Args: func(img *config.Image) []string {
		if img.BuildKit == nil {
			return nil
		}
		return img.BuildKit.Args
	},
	Options: func(img *config.Image) any {
		if img.BuildKit == nil {
			return nil
		}
		return docker.ArgsOption{Args: img.BuildKit.Args}
	},
}

// New is the in-cluster BuildKit builder of a cluster connection and the
// registry logins it pushes with.
func New(client *kube.Client, creds *docker.Credentials) *Builder {
	return &Builder{Client: client, Creds: creds}
}
