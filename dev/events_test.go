package dev

import (
	"testing"

	"github.com/devspace-engine/devspace/dev/ports"
)

// A port forwarding's events name its ports, LOCAL:REMOTE, for observers.
func TestPortsDetail(t *testing.T) {
	got := portsDetail([]ports.PortMapping{{Local: 18080, Remote: 8080}, {Local: 9229, Remote: 9229, BindAddress: "0.0.0.0"}})
	if got["ports"] != "18080:8080,9229:9229" {
		t.Errorf("ports = %q, want 18080:8080,9229:9229", got["ports"])
	}
}
