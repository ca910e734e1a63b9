package main

import (
	"os"
	"path/filepath"
	"strings"
)

// gitConfigHelper names helper as a git credential helper in the
// container user's ~/.gitconfig, appending a [credential] section unless
// the file names it already. The file is written directly: git need not
// be installed yet when dev starts.
func gitConfigHelper(helper string) error {
	home, err := os.UserHomeDir()
	if err != nil {
		home = "/"
	}
	path := filepath.Join(home, ".gitconfig")
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	line := "helper = " + helper
	for l := range strings.Lines(string(old)) {
		if strings.TrimSpace(l) == line {
			return nil
		}
	}
	content := string(old)
	if content != "" && !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	content += "[credential]\n\t" + line + "\n"
	tmp := path + ".devspace-tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
