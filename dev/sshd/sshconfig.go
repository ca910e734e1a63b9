package sshd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/devspace-engine/devspace/statefile"
)

// HostEntry is one Host block of ~/.ssh/config.
type HostEntry struct {
	Host string // NAME.PROJECT.devspace
	Port int    // the local port forwarded to the server
	Keys Keys
}

// The markers around a block devspace wrote, followed by its host name.
const (
	blockStart = "# DevSpace Start "
	blockEnd   = "# DevSpace End "
)

func (e HostEntry) block() []string {
	return []string{
		blockStart + e.Host,
		"Host " + e.Host,
		"  HostName 127.0.0.1",
		fmt.Sprintf("  Port %d", e.Port),
		"  User devspace",
		"  LogLevel error",
		fmt.Sprintf("  IdentityFile %q", e.Keys.UserKeyPath()),
		"  IdentitiesOnly yes",
		"  HostKeyAlias " + e.Host,
		fmt.Sprintf("  UserKnownHostsFile %q", e.Keys.KnownHostsPath()),
		"  StrictHostKeyChecking yes",
		blockEnd + e.Host,
	}
}

// configPath is ~/.ssh/config, or the file it links to (so that the
// link stays a link).
func configPath(home string) string {
	p := filepath.Join(home, ".ssh", "config")
	if real, err := filepath.EvalSymlinks(p); err == nil {
		return real
	}
	return p
}

// AddHost writes e's block into home/.ssh/config, replacing an older
// block of the same host, before the file's first Host or Match line (a
// block at the end would lose to a `Host *` above it; options before the
// first Host are global and stay first).
func AddHost(home string, e HostEntry) error {
	return editConfig(home, func(lines []string) []string {
		lines = withoutBlock(lines, e.Host)
		at := len(lines)
		for i, l := range lines {
			word, _, _ := strings.Cut(strings.TrimSpace(l), " ")
			if strings.EqualFold(word, "Host") || strings.EqualFold(word, "Match") {
				at = i
				break
			}
		}
		return append(lines[:at:at], append(e.block(), lines[at:]...)...)
	})
}

// RemoveHost takes host's block out of home/.ssh/config.
func RemoveHost(home, host string) error {
	return editConfig(home, func(lines []string) []string { return withoutBlock(lines, host) })
}

// editConfig rewrites ~/.ssh/config atomically (0600, as ssh wants it),
// under a lock so that concurrent dev sessions keep each other's blocks.
func editConfig(home string, edit func([]string) []string) error {
	path := configPath(home)
	lock := filepath.Join(home, ".devspace", "ssh", "config-edit")
	err := statefile.Locked(lock, func() error {
		data, err := os.ReadFile(path)
		if err != nil && !os.IsNotExist(err) {
			return err
		}
		var lines []string
		if text := strings.TrimSuffix(string(data), "\n"); text != "" {
			lines = strings.Split(text, "\n")
		}
		out := edit(lines)
		if len(out) == 0 && len(data) == 0 {
			return nil // nothing to remove from a file that is not there
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		text := ""
		if len(out) > 0 {
			text = strings.Join(out, "\n") + "\n"
		}
		return statefile.WriteAtomic(path, []byte(text))
	})
	if err != nil {
		return fmt.Errorf("edit %s: %w", path, err)
	}
	return nil
}

// withoutBlock drops the block devspace wrote for host.
func withoutBlock(lines []string, host string) []string {
	var out []string
	in := false
	for _, l := range lines {
		switch strings.TrimSpace(l) {
		case blockStart + host:
			in = true
			continue
		case blockEnd + host:
			if in {
				in = false
				continue
			}
		}
		if !in {
			out = append(out, l)
		}
	}
	return out
}
