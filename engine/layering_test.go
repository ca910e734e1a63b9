package engine_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering keeps the engine, the config loader and the runtime store
// free of Docker and Kubernetes: those belong to the cores that builtins
// call, so a pipeline that needs neither never pays for them.
func TestLayering(t *testing.T) {
	forbidden := []string{"github.com/docker/", "github.com/moby/", "k8s.io/", "sigs.k8s.io/", "github.com/moby/buildkit"}
	for _, pkg := range []string{"../engine", "../config", "../runvars"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s imports %s: keep Docker and Kubernetes out of it", pkg, dep)
				}
			}
		}
	}
}
