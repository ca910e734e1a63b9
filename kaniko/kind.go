package kaniko

import (
	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/kube"
)

// Kind is the `kaniko:` builder: a kaniko pod in the cluster, which keeps
// no image store, so its images exist only in a registry.
var Kind = &imagebuild.Kind{
	Name:   "kaniko",
	Claims: func(img *config.Image) bool { return img.Kaniko != nil },
	Place:  func(*config.Image) imagebuild.Place { return imagebuild.PlaceRegistry },
	Options: func(img *config.Image) any {
		k := img.Kaniko
		if k == nil {
			return nil // also a docker image moved here by the fallback
		}
		// The encoding (field names, order) is part of users' build keys.
		return struct {
			Args         []string `json:",omitempty"`
			SnapshotMode string   `json:",omitempty"`
			Image        string   `json:",omitempty"`
		}{k.Args, k.SnapshotMode, k.Image}
	},
}

// New is the kaniko builder of a cluster connection and the registry
// logins its pods push with.
func New(client *kube.Client, creds *docker.Credentials) *Builder {
	return &Builder{Client: client, Logins: creds}
}
