package helm

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDevspaceDoesNotLinkHelm guards the reason the companion exists: the
// Helm SDK's start-up cost (~16 ms, ~20 MiB) must stay out of devspace.
// Only devspace-helm may import helm.sh/helm.
func TestDevspaceDoesNotLinkHelm(t *testing.T) {
	const main = "github.com/devspace-engine/devspace/cmd/devspace"
	out, err := exec.Command("go", "list", "-deps", main).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v\n%s", main, err, stderr)
	}
	var linked []string
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "helm.sh/helm" || strings.HasPrefix(pkg, "helm.sh/helm/") {
			linked = append(linked, pkg)
		}
	}
	if len(linked) > 0 {
		t.Errorf("%s links the Helm SDK (%d packages, e.g. %s); keep it in cmd/devspace-helm and talk to it through package helm",
			main, len(linked), linked[0])
	}
}
