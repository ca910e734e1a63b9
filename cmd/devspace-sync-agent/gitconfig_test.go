package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGitConfigHelper checks that the helper is appended to an existing
// ~/.gitconfig, kept apart from its last line, and not added twice.
func TestGitConfigHelper(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	path := filepath.Join(home, ".gitconfig")
	if err := os.WriteFile(path, []byte("[user]\n\tname = dev"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := gitConfigHelper("/usr/local/bin/devspace-git-credential"); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	want := "[user]\n\tname = dev\n[credential]\n\thelper = /usr/local/bin/devspace-git-credential\n"
	if err != nil || string(got) != want {
		t.Errorf("~/.gitconfig: %q, %v; want %q", got, err, want)
	}
}
