package docker

import (
	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/imagebuild"
)

// Kind is the `docker:` builder, which builds on the Docker Engine. Its
// args, flags of the docker CLI, are refused at load time
// (config.Unsupported); the empty option keeps existing build keys.
var Kind = &imagebuild.Kind{
	Name:   "docker",
	Claims: func(img *config.Image) bool { return img.Docker != nil },
	Place:  func(*config.Image) imagebuild.Place { return imagebuild.PlaceDaemon },
	Options: func(img *config.Image) any {
		if img.Docker == nil {
			return nil
		}
		return ArgsOption{}
	},
}

// ArgsOption is the key option of a builder whose only option that
// changes the image is its arguments (docker, buildKit). Its encoding is
// part of users' build keys: keep it.
type ArgsOption struct {
	Args []string `json:",omitempty"`
}
