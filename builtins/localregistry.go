package builtins

import (
	"context"
	"io"
	"sync"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/localregistry"
)

// localRegistries are the process's local registries, started on first
// use and reachable (their port-forwards open) until Services.Close.
type localRegistries struct {
	mu  sync.Mutex
	all map[registryKey]*localregistry.Registry
}

type registryKey struct {
	client   *kube.Client
	settings localregistry.Settings
}

// LocalRegistry starts, or reuses, the local registry of cfg in the
// call's cluster.
func (s *Services) LocalRegistry(ctx context.Context, c *engine.Call, cfg *config.Config, log io.Writer) (*localregistry.Registry, error) {
	client, err := s.Kube(c)
	if err != nil {
		return nil, err
	}
	settings, err := localregistry.FromConfig(cfg, client.Namespace)
	if err != nil {
		return nil, err
	}
	lr := &s.registries
	lr.mu.Lock()
	defer lr.mu.Unlock()
	key := registryKey{client, settings}
	if reg := lr.all[key]; reg != nil {
		return reg, nil
	}
	reg, err := localregistry.Ensure(ctx, client, settings, log)
	if err != nil {
		return nil, err
	}
	if lr.all == nil {
		lr.all = map[registryKey]*localregistry.Registry{}
	}
	lr.all[key] = reg
	return reg, nil
}

// close stops the port-forwards of the process's local registries.
func (lr *localRegistries) close() {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	for _, reg := range lr.all {
		reg.Close()
	}
	lr.all = nil
}
