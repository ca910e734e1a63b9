// Command release builds the release archives into a directory (dist):
// for each platform, devspace-VERSION-OS-ARCH.tar.gz holding devspace,
// devspace-helm for that platform, the linux sync agents for amd64 and
// arm64 (they run in the dev containers), LICENSE and README.md under one
// directory; and checksums.txt (sha256, as sha256sum -c reads it). Run it
// at the repository's root (task release):
//
//	go run ./release [-out dist] [-targets linux/amd64,darwin/arm64]
//
// The version is `git describe --tags --dirty` (v0.1.0-dev without a
// tag), the commit HEAD's; both are stamped into devspace.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/devspace-engine/devspace/companion"
)

// Targets are the platforms released. windows/amd64 is not one: devspace
// does not build there (package lifecycle stops child processes by
// process group, with syscall.Kill and Setpgid).
var Targets = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64"}

func main() {
	out := flag.String("out", "dist", "the directory the archives and checksums.txt are written to")
	targets := flag.String("targets", strings.Join(Targets, ","), "the OS/ARCH platforms to build, comma-separated")
	flag.Parse()
	if err := run(*out, strings.Split(*targets, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(out string, targets []string) error {
	st, err := gitStamp()
	if err != nil {
		return err
	}
	stage, err := os.MkdirTemp("", "devspace-release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	b := &builder{stage: stage, ldflags: st.ldflags(), built: map[companion.Program]string{}}
	var archives []string
	for _, target := range targets {
		goos, goarch, ok := strings.Cut(target, "/")
		if !ok {
			return fmt.Errorf("-targets: %q is not OS/ARCH", target)
		}
		name := fmt.Sprintf("devspace-%s-%s-%s", st.version, goos, goarch)
		files, err := b.platform(goos, goarch)
		if err != nil {
			return err
		}
		path := filepath.Join(out, name+".tar.gz")
		if err := writeArchive(path, name, st.time, files); err != nil {
			return fmt.Errorf("archive %s: %w", path, err)
		}
		fmt.Println(path)
		archives = append(archives, path)
	}
	return writeChecksums(filepath.Join(out, "checksums.txt"), archives)
}

// builder builds each program once per platform into stage: the linux
// agents, in every archive, are built once.
type builder struct {
	stage, ldflags string
	built          map[companion.Program]string
}

// platform returns the files of one archive: name in the archive → path.
func (b *builder) platform(goos, goarch string) ([]file, error) {
	progs := append([]companion.Program{{Name: "devspace", Package: "cmd/devspace", GOOS: goos, GOARCH: goarch}},
		companion.For(goos, goarch)...)
	var files []file
	for _, p := range progs {
		path, err := b.build(p)
		if err != nil {
			return nil, err
		}
		files = append(files, file{name: p.Name, path: path, mode: 0o755})
	}
	return append(files, file{name: "LICENSE", path: "LICENSE", mode: 0o644},
		file{name: "README.md", path: "README.md", mode: 0o644}), nil
}

func (b *builder) build(p companion.Program) (string, error) {
	if path, ok := b.built[p]; ok {
		return path, nil
	}
	dir := filepath.Join(b.stage, p.GOOS+"-"+p.GOARCH)
	ldflags := ""
	if p.Name == "devspace" {
		ldflags = b.ldflags
	}
	cmd := p.Build(".", dir, ldflags)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s for %s/%s: %w", p.Name, p.GOOS, p.GOARCH, err)
	}
	b.built[p] = filepath.Join(dir, p.Name)
	return b.built[p], nil
}

// stamp is what git says about the checkout.
type stamp struct {
	version, commit string
	time            time.Time // the commit's: the archive entries' time
}

func (s stamp) ldflags() string {
	const pkg = companion.Module + "/commands"
	return fmt.Sprintf("-X %s.Version=%s -X %s.Commit=%s", pkg, s.version, pkg, s.commit)
}

func gitStamp() (stamp, error) {
	version, err := git("describe", "--tags", "--dirty")
	if err != nil {
		version = "v0.1.0-dev" // no tag yet
	}
	commit, err := git("rev-parse", "--short=12", "HEAD")
	if err != nil {
		return stamp{}, fmt.Errorf("the commit to stamp: %w", err)
	}
	if changed, _ := git("status", "--porcelain", "--untracked-files=no"); changed != "" {
		commit += "-dirty"
	}
	unix, err := git("log", "-1", "--format=%ct")
	if err != nil {
		return stamp{}, err
	}
	var sec int64
	fmt.Sscan(unix, &sec)
	return stamp{version: version, commit: commit, time: time.Unix(sec, 0)}, nil
}

func git(args ...string) (string, error) {
	out, err := exec.Command("git", args...).Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}
