package agent

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestArchOf: uname -m's and the node's names map to the agent builds;
// other architectures are refused by name.
func TestArchOf(t *testing.T) {
	for in, want := range map[string]string{"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"} {
		if got, err := ArchOf(in); got != want || err != nil {
			t.Errorf("ArchOf(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"armv7l", "i686", "s390x", "ppc64le", "riscv64", ""} {
		if got, err := ArchOf(in); err == nil || !strings.Contains(err.Error(), `no sync agent for architecture "`+in+`": it is built for linux/amd64 and linux/arm64`) {
			t.Errorf("ArchOf(%q) = %q, %v", in, got, err)
		}
	}
}

// fakeProgram writes an executable ELF header for machine: enough for
// the architecture checks, which read nothing else.
func fakeProgram(t *testing.T, dir, name string, machine elf.Machine) string {
	t.Helper()
	h := make([]byte, 64)
	copy(h, elf.ELFMAG)
	h[elf.EI_CLASS], h[elf.EI_DATA], h[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	binary.LittleEndian.PutUint16(h[16:], uint16(elf.ET_EXEC))
	binary.LittleEndian.PutUint16(h[18:], uint16(machine))
	binary.LittleEndian.PutUint32(h[20:], uint32(elf.EV_CURRENT))
	binary.LittleEndian.PutUint16(h[52:], 64) // e_ehsize
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, h, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// env is a getenv over vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// TestFind: the per-architecture variable first, then
// DEVSPACE_SYNC_AGENT for the architecture it is built for, then the
// shipped name (on PATH here); a missing build names the file, task
// build and the variable.
func TestFind(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	amd := fakeProgram(t, t.TempDir(), "my-agent", elf.EM_X86_64)
	arm := fakeProgram(t, t.TempDir(), "my-arm-agent", elf.EM_AARCH64)

	check := func(vars map[string]string, arch, want string) {
		t.Helper()
		if got, err := Find(env(vars), arch); got != want || err != nil {
			t.Errorf("Find(%v, %s) = %q, %v, want %q", vars, arch, got, err, want)
		}
	}
	check(map[string]string{"DEVSPACE_SYNC_AGENT_ARM64": arm}, "arm64", arm)
	check(map[string]string{"DEVSPACE_SYNC_AGENT": amd}, "amd64", amd)
	check(map[string]string{"DEVSPACE_SYNC_AGENT": arm}, "arm64", arm)
	check(map[string]string{"DEVSPACE_SYNC_AGENT": amd, "DEVSPACE_SYNC_AGENT_AMD64": "/x/amd"}, "amd64", "/x/amd")

	_, err := Find(env(map[string]string{"DEVSPACE_SYNC_AGENT": amd}), "arm64")
	for _, want := range []string{"a linux/arm64 container needs the sync agent devspace-sync-agent-linux-arm64, not found in", "devspace install-companions", "or set $DEVSPACE_SYNC_AGENT_ARM64 to its path", "(DEVSPACE_SYNC_AGENT=" + amd + " is the linux/amd64 agent)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing arm64 agent: err = %v, want %q", err, want)
		}
	}
	shipped := fakeProgram(t, dir, "devspace-sync-agent-linux-arm64", elf.EM_AARCH64)
	check(map[string]string{"DEVSPACE_SYNC_AGENT": amd}, "arm64", shipped)
	check(nil, "arm64", shipped)

	if _, err := Find(env(nil), "riscv64"); err == nil || !strings.Contains(err.Error(), `no sync agent for architecture "riscv64"`) {
		t.Errorf("riscv64: err = %v", err)
	}
	notELF := filepath.Join(dir, "script")
	if err := os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Find(env(map[string]string{"DEVSPACE_SYNC_AGENT": notELF}), "amd64"); err == nil || !strings.Contains(err.Error(), "DEVSPACE_SYNC_AGENT="+notELF+": not a linux program") {
		t.Errorf("not a program: err = %v", err)
	}
}

// TestLoadChecksArch: a build of the wrong architecture is refused,
// naming its path and task build, before anything is copied.
func TestLoadChecksArch(t *testing.T) {
	amd := fakeProgram(t, t.TempDir(), "devspace-sync-agent-linux-arm64", elf.EM_X86_64)
	a := New(func(string) (string, error) { return amd, nil })
	_, err := a.sh.load("arm64")
	if err == nil || !strings.Contains(err.Error(), "sync agent "+amd+": built for linux/amd64, not linux/arm64: rebuild the agents with `task build`") {
		t.Errorf("err = %v", err)
	}
	b, err := a.sh.load("amd64")
	if err != nil || !strings.HasPrefix(b.remotePath(), "/tmp/devspace-sync-agent-") {
		t.Errorf("amd64: %v, %v", b, err)
	}
}
