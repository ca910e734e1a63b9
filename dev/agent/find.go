package agent

import (
	"debug/elf"
	"fmt"
	"slices"
	"strings"

	"github.com/devspace-engine/devspace/companion"
)

// Binary is the sync agent's program (cmd/devspace-sync-agent), and Env
// the variable that points at a build of it for any one architecture.
const (
	Binary = "devspace-sync-agent"
	Env    = "DEVSPACE_SYNC_AGENT"
)

// Arches are the container architectures the agent is built for, as
// dev.*.arch and GOARCH spell them.
var Arches = []string{"amd64", "arm64"}

// FileName is the agent for linux/arch as it ships beside devspace:
// devspace-sync-agent-linux-amd64, devspace-sync-agent-linux-arm64.
func FileName(arch string) string { return Binary + "-linux-" + arch }

// EnvFor names the variable that points at the agent for arch:
// DEVSPACE_SYNC_AGENT_AMD64, DEVSPACE_SYNC_AGENT_ARM64.
func EnvFor(arch string) string { return Env + "_" + strings.ToUpper(arch) }

// Find locates the agent for linux/arch: $DEVSPACE_SYNC_AGENT_<ARCH>;
// else $DEVSPACE_SYNC_AGENT when the program it names is built for arch
// (its ELF header says which, so one variable serves one architecture
// without a guess); else FileName(arch) where package companion looks.
func Find(getenv func(string) string, arch string) (string, error) {
	if !slices.Contains(Arches, arch) {
		return "", unknownArch(arch)
	}
	if p := getenv(Env); p != "" && getenv(EnvFor(arch)) == "" {
		other, err := fileArch(p)
		if err != nil {
			return "", fmt.Errorf("%s=%s: %w", Env, p, err)
		}
		if other == arch {
			return p, nil
		}
		path, err := find(getenv, arch)
		if err != nil {
			return "", fmt.Errorf("%w (%s=%s is the linux/%s agent)", err, Env, p, other)
		}
		return path, nil
	}
	return find(getenv, arch)
}

func find(getenv func(string) string, arch string) (string, error) {
	return companion.Find(getenv, FileName(arch), EnvFor(arch),
		"a linux/"+arch+" container needs the sync agent "+FileName(arch))
}

// machines are the ELF machines of Arches.
var machines = map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64"}

// fileArch reads which of Arches the program at path is built for.
func fileArch(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", fmt.Errorf("not a linux program: %w", err)
	}
	defer f.Close()
	return machineArch(f)
}

// machineArch is the architecture of the ELF file f, one of Arches.
func machineArch(f *elf.File) (string, error) {
	arch, ok := machines[f.Machine]
	if !ok || f.Class != elf.ELFCLASS64 {
		return "", fmt.Errorf("built for %s, not linux/amd64 or linux/arm64", f.Machine)
	}
	return arch, nil
}

// unknownArch refuses an architecture there is no agent for.
func unknownArch(arch string) error {
	return fmt.Errorf("no sync agent for architecture %q: it is built for linux/%s", arch, strings.Join(Arches, " and linux/"))
}
