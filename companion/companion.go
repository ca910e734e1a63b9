// Package companion finds the programs devspace ships beside itself
// (devspace-helm, the linux sync agents) without configuration, and says
// what they are built from, for the release and install-companions.
package companion

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// EnvLibexec names a directory that holds the companions; it is looked
// at before the places relative to the devspace executable.
const EnvLibexec = "DEVSPACE_LIBEXEC"

// Find returns the path of the program binary: the path the variable
// envVar names, else binary in $DEVSPACE_LIBEXEC, beside the devspace
// executable, in ../libexec/devspace/ from it, or on PATH. Not found, the
// error says what needs it (need), every place looked at and how to get it.
func Find(getenv func(string) string, binary, envVar, need string) (string, error) {
	exe, _ := os.Executable()
	return find(getenv, exe, binary, envVar, need)
}

// find is Find for the devspace executable exe ("": unknown).
func find(getenv func(string) string, exe, binary, envVar, need string) (string, error) {
	if p := getenv(envVar); p != "" {
		return p, nil
	}
	var tried []string
	if getenv(EnvLibexec) == "" {
		tried = append(tried, "$"+EnvLibexec+" (unset)")
	}
	for _, dir := range dirs(getenv, exe) {
		p := filepath.Join(dir, binary)
		if isFile(p) {
			return p, nil
		}
		tried = append(tried, p)
	}
	if p, err := exec.LookPath(binary); err == nil {
		return p, nil
	}
	tried = append(tried, "PATH")
	return "", fmt.Errorf("%s, not found in %s; the release archive holds it beside devspace "+
		"(unpack the archive whole), `devspace install-companions` builds it with Go, or set $%s to its path",
		need, strings.Join(tried, ", "), envVar)
}

// dirs are the directories Find looks in, in order: $DEVSPACE_LIBEXEC,
// the executable's own and ../libexec/devspace from it; when the
// executable is a symbolic link, its target's two as well.
func dirs(getenv func(string) string, exe string) []string {
	var out []string
	if d := getenv(EnvLibexec); d != "" {
		out = append(out, d)
	}
	if exe == "" {
		return out
	}
	exes := []string{exe}
	if real, err := filepath.EvalSymlinks(exe); err == nil && real != exe {
		exes = append(exes, real)
	}
	for _, e := range exes {
		dir := filepath.Dir(e)
		out = append(out, dir, filepath.Join(dir, "..", "libexec", "devspace"))
	}
	return out
}

func isFile(p string) bool {
	info, err := os.Stat(p)
	return err == nil && !info.IsDir()
}
