package commands

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/companion"
)

func installCompanionsCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "install-companions",
		Usage: "Build devspace-helm and the linux sync agents with Go, beside devspace (for go install users; the release archive has them)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "where to put them (default: the directory of the devspace executable)"},
			&cli.StringFlag{Name: "source", Usage: "a checkout of " + companion.Module + " to build from (default: the module version devspace was installed from, or the checkout the current directory is in)"},
		},
		Action: func(c *cli.Context) error {
			if _, err := exec.LookPath("go"); err != nil {
				return errNoGo
			}
			dir, err := companionDir(c.String("dir"))
			if err != nil {
				return err
			}
			src, err := companionSource(c.String("source"))
			if err != nil {
				return err
			}
			for _, p := range companion.For(runtime.GOOS, runtime.GOARCH) {
				cmd := p.Build(src, dir, "")
				cmd.Stdout, cmd.Stderr = stdio.Stderr, stdio.Stderr
				if err := cmd.Run(); err != nil {
					return fmt.Errorf("install-companions: build %s (%s/%s) from %s: %w", p.Name, p.GOOS, p.GOARCH, src, err)
				}
				fmt.Fprintln(stdio.Stdout, filepath.Join(dir, p.Name))
			}
			return nil
		},
	}
}

// companionDir is --dir, else the directory of the devspace executable
// (its target's when it is a symbolic link), where devspace looks first.
func companionDir(flag string) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return "", fmt.Errorf("install-companions: where is devspace? %w (pass --dir)", err)
	}
	return filepath.Dir(exe), nil
}

// companionSource is the module source to build from: --source; else, for
// a devspace that go install fetched (a module version and no checkout
// recorded), that version in the module cache (go mod download); else the
// checkout the working directory is in.
func companionSource(flag string) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Path == companion.Module && installedVersion(info) {
		return downloadModule(info.Main.Version)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	if dir := checkoutAbove(wd); dir != "" {
		return dir, nil
	}
	return "", fmt.Errorf("install-companions: this devspace was not installed with `go install %s/cmd/devspace@VERSION`, and %s is not in a checkout of %s: run it in the checkout it was built from, or pass --source DIR",
		companion.Module, wd, companion.Module)
}

// installedVersion: built from a published module version, not from a
// checkout (which records its commit, and may be any module version).
func installedVersion(info *debug.BuildInfo) bool {
	v := info.Main.Version
	if v == "" || v == "(devel)" || strings.HasSuffix(v, "+dirty") {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			return false
		}
	}
	return true
}

// downloadModule fetches (or finds) the module at version in Go's module
// cache and returns its directory.
func downloadModule(version string) (string, error) {
	var out, stderr bytes.Buffer
	cmd := exec.Command("go", "mod", "download", "-json", companion.Module+"@"+version)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("install-companions: go mod download %s@%s: %w\n%s%s(or pass --source with a checkout of that version)", companion.Module, version, err, stderr.String(), out.String())
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out.Bytes(), &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("install-companions: go mod download %s@%s: %s %v", companion.Module, version, mod.Error, err)
	}
	return mod.Dir, nil
}

// checkoutAbove is the nearest directory at or above dir whose go.mod is
// the devspace module's, or "".
func checkoutAbove(dir string) string {
	for {
		if modulePath(filepath.Join(dir, "go.mod")) == companion.Module {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// modulePath reads the module line of a go.mod ("" if none).
func modulePath(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

var errNoGo = errors.New("install-companions builds with Go, and go is not on PATH: install Go (see go.mod for the version), or use the release archive, which has the companions")
