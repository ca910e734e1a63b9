// Package companion finds the programs devspace ships beside itself
// (devspace-helm, devspace-sync-agent): the path an environment variable
// names, else the file next to the running devspace executable, else one
// on PATH.
package companion

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Find returns the path of the program binary, or an error that says
// what needs it (need), where it looked and how to point at it (envVar).
func Find(getenv func(string) string, binary, envVar, need string) (string, error) {
	if p := getenv(envVar); p != "" {
		return p, nil
	}
	var tried []string
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), binary)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	if p, err := exec.LookPath(binary); err == nil {
		return p, nil
	}
	tried = append(tried, "PATH")
	return "", fmt.Errorf("%s, which `task build` builds beside devspace; not found (looked at %s; or set %s)", need, strings.Join(tried, ", "), envVar)
}
