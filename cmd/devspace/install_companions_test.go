package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestInstallCompanions: a devspace built from the checkout alone (as
// `go install ./cmd/devspace` leaves it), run in the checkout, builds its
// companions beside itself, each for the platform it runs on; without
// the source, the build's error says so.
func TestInstallCompanions(t *testing.T) {
	bin := t.TempDir()
	exe := filepath.Join(bin, "devspace")
	copyFile(t, filepath.Join(binDir, "devspace"), exe)
	env := []string{"DEVSPACE_HELM=", "DEVSPACE_SYNC_AGENT=", "DEVSPACE_LIBEXEC="}
	missing := exec.Command(exe, "install-companions", "--source", t.TempDir())
	missing.Env = append(os.Environ(), env...)
	if out, err := missing.CombinedOutput(); err == nil || !strings.Contains(string(out), "build devspace-helm") {
		t.Errorf("install-companions from a directory without the source: %v\n%s", err, out)
	}

	cmd := exec.Command(exe, "install-companions")
	cmd.Dir = "../.." // the checkout's root
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("devspace install-companions: %v\n%s", err, out)
	}
	host := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[runtime.GOARCH]
	for name, machine := range map[string]elf.Machine{"devspace-helm": host,
		"devspace-sync-agent-linux-amd64": elf.EM_X86_64, "devspace-sync-agent-linux-arm64": elf.EM_AARCH64} {
		path := filepath.Join(bin, name)
		if !strings.Contains(string(out), path+"\n") {
			t.Errorf("install-companions did not list %s:\n%s", path, out)
		}
		if got := elfMachine(t, path); got != machine {
			t.Errorf("%s is built for %v, want %v", name, got, machine)
		}
	}
}
