//go:build tools

// Package tools pins buildkitd and buildctl in this module's go.mod, so
// that `go build github.com/moby/buildkit/cmd/buildkitd` builds from here.
package tools

import (
	_ "github.com/moby/buildkit/cmd/buildctl"
	_ "github.com/moby/buildkit/cmd/buildkitd"
)
