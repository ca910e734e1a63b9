package main

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/companion"
)

// TestCrossCompile builds each program of each released platform (the
// output discarded), so that code which breaks one platform fails here,
// not at release time. No archive is made (task release does that).
func TestCrossCompile(t *testing.T) {
	platforms := map[string][]string{} // GOOS/GOARCH → packages
	for _, target := range Targets {
		goos, goarch, _ := strings.Cut(target, "/")
		platforms[target] = append(platforms[target], "../cmd/devspace")
		for _, p := range companion.For(goos, goarch) {
			key := p.GOOS + "/" + p.GOARCH
			if pkg := "../" + p.Package; !slices.Contains(platforms[key], pkg) {
				platforms[key] = append(platforms[key], pkg)
			}
		}
	}
	for platform, pkgs := range platforms {
		goos, goarch, _ := strings.Cut(platform, "/")
		t.Run(platform, func(t *testing.T) {
			// -trimpath, as task release and cmd/devspace's tests build:
			// the build cache serves all three.
			cmd := exec.Command("go", append([]string{"build", "-trimpath", "-o", os.DevNull}, pkgs...)...)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("GOOS=%s GOARCH=%s go build %s: %v\n%s", goos, goarch, strings.Join(pkgs, " "), err, out)
			}
		})
	}
}
