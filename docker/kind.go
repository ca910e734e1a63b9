package docker

import (
	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/imagebuild"
)

// Kind is the `docker:` builder, which builds on the Docker Engine. Its
// args, in the docker CLI's flag syntax, are understood (config.
// ParseBuildArgs) without running the CLI; they enter the build key as
// written (names of secrets, never their values).
//
// A multi-platform image (several --platform) is an OCI index, which the
// Engine's image store cannot hold: it builds on a buildkitd container on
// this Engine (buildkit.Local) and lives only in its registry, so its
// Place is PlaceRegistry.
var Kind = &imagebuild.Kind{
	Name:   "docker",
	Claims: func(img *config.Image) bool { return img.Docker != nil },
	Place: func(img *config.Image) imagebuild.Place {
		if img.Docker != nil && config.SeveralPlatforms(img.Docker.Args) {
			return imagebuild.PlaceRegistry
		}
		return imagebuild.PlaceDaemon
	},
	Args: func(img *config.Image) []string {
		if img.Docker == nil {
			return nil
		}
		return img.Docker.Args
	},
	Options: func(img *config.Image) any {
		if img.Docker == nil {
			return nil
		}
		return ArgsOption{Args: img.Docker.Args}
	},
}

// ArgsOption is the key option of a builder whose only option that
// changes the image is its arguments (docker, buildKit). Its encoding is
// part of users' build keys: keep it.
type ArgsOption struct {
	Args []string `json:",omitempty"`
}
