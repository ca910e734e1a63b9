package companion

import (
	"os"
	"os/exec"
	"path/filepath"
)

// Module is the Go module devspace and its companions are built from.
const Module = "github.com/devspace-engine/devspace"

// Program is one companion as it ships: its file name, the package it is
// built from and the platform it runs on.
type Program struct {
	Name    string
	Package string // relative to Module: cmd/devspace-helm
	GOOS    string
	GOARCH  string
}

// AgentArches are the container architectures the sync agent ships for.
var AgentArches = []string{"amd64", "arm64"}

// For returns the companions a devspace built for goos/goarch needs:
// devspace-helm for that platform, and the sync agent for each linux
// architecture a dev container may have (they run there, not here).
func For(goos, goarch string) []Program {
	progs := []Program{{Name: "devspace-helm", Package: "cmd/devspace-helm", GOOS: goos, GOARCH: goarch}}
	for _, arch := range AgentArches {
		progs = append(progs, Program{Name: "devspace-sync-agent-linux-" + arch,
			Package: "cmd/devspace-sync-agent", GOOS: "linux", GOARCH: arch})
	}
	return progs
}

// Build returns the command that builds p from the module's source in
// srcDir into outDir as it is released: static (no cgo), without local
// paths or debug information. ldflags are added to "-s -w".
func (p Program) Build(srcDir, outDir, ldflags string) *exec.Cmd {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w "+ldflags,
		"-o", filepath.Join(outDir, p.Name), "./"+p.Package)
	cmd.Dir = srcDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.GOOS, "GOARCH="+p.GOARCH)
	return cmd
}
