package imagebuild

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/testbed"
)

// walkTree has names that sort around '/' ("a", "a-b", "a.b" and "a/…"
// interleave: the whole paths are sorted, not each directory), nested and
// empty directories, a symlink, an executable, a .devspace directory and
// ignore rules with an exception below an excluded directory.
var walkTree = map[string]string{
	"Dockerfile":       "FROM scratch\nCOPY . /\n",
	".dockerignore":    "*.log\nvendor\n!vendor/keep.go\n",
	"a/x":              "ax",
	"a/y/z":            "ayz",
	"a-b":              "dash",
	"a.b":              "dot",
	"a0":               "zero",
	"b/run.sh":         "#!/bin/sh\n",
	"b/link":           "->run.sh",
	"empty/":           "",
	"debug.log":        "ignored",
	"sub/trace.log":    "kept: *.log matches the top level only",
	"vendor/drop.go":   "ignored",
	"vendor/keep.go":   "kept",
	".devspace/x.json": "never in a context",
}

// walkTreeContext is the context digest of walkTree as the walk before the
// listing by getdents, the stat relative to each directory and the memo's
// sorted records computed it: those change how the files are found, never
// what the key covers.
const walkTreeContext = "4d1c147f89584ecbbba5d225c80759be730c6d39b14da29780768413d6a92e6d"

func writeWalkTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	testbed.WriteTree(t, dir, walkTree)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.Type()&fs.ModeSymlink != 0:
			return nil
		case d.IsDir():
			return os.Chmod(p, 0o755)
		case strings.HasSuffix(p, ".sh"):
			return os.Chmod(p, 0o755)
		}
		return os.Chmod(p, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestWalkKeepsTheContextDigest(t *testing.T) {
	t.Parallel()
	dir := writeWalkTree(t)
	files, err := ContextFiles(context.Background(), dir, filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	want := []string{".dockerignore", "Dockerfile", "a", "a-b", "a.b", "a/x", "a/y", "a/y/z", "a0", "b", "b/link", "b/run.sh",
		"empty", "sub", "sub/trace.log", "vendor/keep.go"}
	if !slices.Equal(paths, want) {
		t.Errorf("paths = %q\nwant    %q", paths, want)
	}
	if got := (KeyInputs{Files: files}).Parts().Context; got != walkTreeContext {
		t.Errorf("context digest = %s, want %s", got, walkTreeContext)
	}
}
