//go:build tools

// Package tools pins the kaniko executor in this module's go.mod, so that
// `go build github.com/GoogleContainerTools/kaniko/cmd/executor` builds
// from here (`go install …@v1.24.0` fails: the proxy refuses the version
// list).
package tools

import _ "github.com/GoogleContainerTools/kaniko/cmd/executor"
