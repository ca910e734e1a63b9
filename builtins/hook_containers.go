package builtins

import (
	"io"

	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/hookcontainer"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/runvars"
)

// HookContainers returns what performs a project's container hooks (exec,
// upload, download, logs, wait). It reaches the cluster on a hook's first
// use, with eng's --kube-context and -n, so a project whose hooks stay on
// this machine opens no connection.
func (s *Services) HookContainers(eng *engine.Engine, dir string, store *runvars.Store, log io.Writer) *hookcontainer.Runner {
	return hookcontainer.New(hookcontainer.Options{
		Kube:    func() (*kube.Client, error) { return s.Kube(eng.NewCall("hooks", dir)) },
		Dir:     dir,
		Runtime: store,
		Log:     log,
	})
}
