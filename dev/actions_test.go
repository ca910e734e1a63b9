package dev

import (
	"context"
	"slices"
	"testing"

	"github.com/devspace-engine/devspace/dev/filesync"
	"github.com/devspace-engine/devspace/dev/ports"
)

// Restart goes to the containers whose syncs run the restart helper, else
// to the selected one (which then says how to get the helper); open only
// to a port the session forwards, of any of its containers.
func TestActionTargets(t *testing.T) {
	helper := []filesync.SyncConfig{{RestartContainer: true}}
	cfg := Config{Services: Services{Ports: []ports.PortMapping{{Local: 18080, Remote: 8080}}},
		Containers: []ContainerServices{
			{Container: "worker", Services: Services{Syncs: helper, Ports: []ports.PortMapping{{Local: 19090, Remote: 9090}}}},
			{Container: "sidecar", Services: Services{Syncs: []filesync.SyncConfig{{}}}},
		}}
	if got := cfg.helperContainers("main"); !slices.Equal(got, []string{"worker"}) {
		t.Errorf("restart goes to %v, want worker (its sync has the helper)", got)
	}
	cfg.Services.Syncs = []filesync.SyncConfig{{StartContainer: true}}
	if got := cfg.helperContainers("main"); !slices.Equal(got, []string{"main", "worker"}) {
		t.Errorf("restart goes to %v, want main and worker", got)
	}
	if got := (Config{}).helperContainers("main"); !slices.Equal(got, []string{"main"}) {
		t.Errorf("without a helper restart goes to %v, want the selected main", got)
	}
	if !cfg.forwards(18080) || !cfg.forwards(19090) || cfg.forwards(8080) {
		t.Error("forwards: want the local ports 18080 and 19090 only")
	}
	if _, err := NewManager().OpenPort(context.Background(), "api", 18080); err == nil {
		t.Error("OpenPort of a session that does not run: no error")
	}
}
