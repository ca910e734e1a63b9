package localregistry

import (
	"strings"

	"github.com/distribution/reference"
)

// Use is what decides whether an image goes to the local registry.
type Use struct {
	// Enabled is localRegistry.enabled: true or false decides alone.
	Enabled *bool
	// Context is the kube context ("" without one); LocalCluster says it
	// is a cluster on this machine, whose nodes get images without a push.
	Context      string
	LocalCluster bool
	// LoggedIn says whether this machine has a login for a registry host
	// ("docker.io" for Docker Hub).
	LoggedIn func(host string) bool
}

// Applies says whether image, built on the Docker Engine and pushed, goes
// to the local registry. As in DevSpace v6: always with enabled: true,
// never with false; unset, only for a remote cluster and an image this
// machine cannot push. DevSpace asks the registry for push permission;
// asking nothing, this takes a name without a registry host (a Docker
// Hub name) as unpushable when it is an official image (app, which is
// docker.io/library/app) or when there is no Docker Hub login. Images
// built in the cluster or by a custom command never use it, nor does a
// build that pushes nothing.
func (u Use) Applies(image string, onDaemon, push bool) bool {
	if !onDaemon || !push {
		return false
	}
	if u.Enabled != nil {
		return *u.Enabled
	}
	if u.Context == "" || u.LocalCluster {
		return false
	}
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil || reference.Domain(named) != "docker.io" || writesHost(image) {
		return false
	}
	if strings.HasPrefix(reference.Path(named), "library/") {
		return true
	}
	return u.LoggedIn == nil || !u.LoggedIn("docker.io")
}

// writesHost says whether image's first component names a registry.
func writesHost(image string) bool {
	first, _, ok := strings.Cut(image, "/")
	return ok && (strings.ContainsAny(first, ".:") || first == "localhost")
}
