package companion

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFindOrder removes the companion from each place in turn: the
// variable, $DEVSPACE_LIBEXEC, beside the executable, ../libexec/devspace
// and PATH must be looked at in that order.
func TestFindOrder(t *testing.T) {
	root := t.TempDir()
	exe := filepath.Join(root, "bin", "devspace")
	libexec := filepath.Join(root, "custom")
	path := filepath.Join(root, "path")
	places := []string{
		filepath.Join(libexec, "prog"),
		filepath.Join(root, "bin", "prog"),
		filepath.Join(root, "libexec", "devspace", "prog"),
		filepath.Join(path, "prog"),
	}
	for _, p := range append(places, exe) {
		writeExecutable(t, p)
	}
	t.Setenv("PATH", path)
	env := map[string]string{"PROG": "/from/the/variable", EnvLibexec: libexec}
	getenv := func(k string) string { return env[k] }
	if got, err := find(getenv, exe, "prog", "PROG", "x needs prog"); err != nil || got != env["PROG"] {
		t.Fatalf("with $PROG set: %q, %v", got, err)
	}
	delete(env, "PROG")
	for _, want := range places {
		if got, err := find(getenv, exe, "prog", "PROG", "x needs prog"); err != nil || got != want {
			t.Fatalf("found %q (%v), want %q", got, err, want)
		}
		if err := os.Remove(want); err != nil {
			t.Fatal(err)
		}
	}
	_, err := find(getenv, exe, "prog", "PROG", "x needs prog")
	if err == nil {
		t.Fatal("found a removed companion")
	}
	for _, want := range append(places[:3], "x needs prog", "PATH", "release archive", "devspace install-companions", "$PROG") {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not name %q: %v", want, err)
		}
	}
}

// TestFindThroughSymlink: a devspace linked into a bin directory (as
// package managers do) finds the companions beside its target.
func TestFindThroughSymlink(t *testing.T) {
	root := t.TempDir()
	exe := filepath.Join(root, "opt", "bin", "devspace")
	writeExecutable(t, exe)
	want := filepath.Join(root, "opt", "libexec", "devspace", "prog")
	writeExecutable(t, want)
	link := filepath.Join(root, "usr", "bin", "devspace")
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(exe, link); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", "")
	got, err := find(func(string) string { return "" }, link, "prog", "PROG", "x needs prog")
	if err != nil || got != want {
		t.Fatalf("found %q (%v), want %q", got, err, want)
	}
}

// TestFindUnsetLibexec: the error says the variable was not set.
func TestFindUnsetLibexec(t *testing.T) {
	t.Setenv("PATH", "")
	_, err := find(func(string) string { return "" }, "", "prog", "PROG", "x needs prog")
	if err == nil || !strings.Contains(err.Error(), "$DEVSPACE_LIBEXEC (unset)") {
		t.Fatalf("error %v", err)
	}
}

func writeExecutable(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}
