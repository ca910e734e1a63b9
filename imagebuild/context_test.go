package imagebuild

import (
	"context"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devspace-engine/devspace/testbed"
)

func TestIgnorePatterns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		files      map[string]string
		dockerfile string
		wantSource string
		want       []string
	}{
		{"none", map[string]string{"Dockerfile": ""}, "Dockerfile", "", nil},
		{"context .dockerignore", map[string]string{".dockerignore": "a\n# c\n/b/\n"}, "Dockerfile", ".dockerignore", []string{"a", "b"}},
		{"Dockerfile.dockerignore wins", map[string]string{".dockerignore": "a", "Dockerfile.dockerignore": "b"}, "Dockerfile", "Dockerfile.dockerignore", []string{"b"}},
		{"beside a Dockerfile outside the context", map[string]string{"ctx/.dockerignore": "a", "df/app.Dockerfile.dockerignore": "b"}, "df/app.Dockerfile", "df/app.Dockerfile.dockerignore", []string{"b"}},
		{"devspace.dockerignore first", map[string]string{"devspace.dockerignore": "c", "Dockerfile.dockerignore": "b"}, "Dockerfile", "devspace.dockerignore", []string{"c"}},
		{"keeps Dockerfile and itself", map[string]string{".dockerignore": "*\n"}, "Dockerfile", ".dockerignore", []string{"*", "!.dockerignore", "!Dockerfile"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			testbed.WriteTree(t, dir, tt.files)
			ctxDir := dir
			if _, err := os.Stat(filepath.Join(dir, "ctx")); err == nil {
				ctxDir = filepath.Join(dir, "ctx")
			}
			got, src, err := IgnorePatterns(ctxDir, filepath.Join(dir, tt.dockerfile))
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantSource != "" {
				tt.wantSource = filepath.Join(dir, tt.wantSource)
			}
			if src != tt.wantSource {
				t.Errorf("source = %q, want %q", src, tt.wantSource)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("patterns (-want +got):\n%s", diff)
			}
		})
	}
}

func TestContextFiles(t *testing.T) {
	t.Parallel()
	base := map[string]string{
		"Dockerfile":           "FROM scratch\n",
		"main.go":              "package main\n",
		"app.log":              "log",
		"node_modules/x/i.js":  "x",
		"docs/a.md":            "a",
		"docs/keep.md":         "k",
		"sub/c.tmp":            "t",
		"empty/":               "",
		".devspace/cache.json": "{}",
		"sub/.devspace/x":      "x",
	}
	tests := []struct {
		name   string
		ignore string
		want   []string
	}{
		{"everything but .devspace", "", []string{
			"Dockerfile", "app.log", "docs", "docs/a.md", "docs/keep.md", "empty", "main.go",
			"node_modules", "node_modules/x", "node_modules/x/i.js", "sub", "sub/c.tmp"}},
		{"patterns", "node_modules\n*.log\n**/*.tmp\nDockerfile\n.dockerignore\n", []string{
			".dockerignore", "Dockerfile", "docs", "docs/a.md", "docs/keep.md", "empty", "main.go", "sub"}},
		{"exception below an excluded dir", "docs\n!docs/keep.md\nnode_modules\nsub\nempty\n", []string{
			".dockerignore", "Dockerfile", "app.log", "docs/keep.md", "main.go"}},
		{"exclude all but", "*\n!main.go\n", []string{".dockerignore", "Dockerfile", "main.go"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			testbed.WriteTree(t, dir, base)
			if tt.ignore != "" {
				testbed.WriteTree(t, dir, map[string]string{".dockerignore": tt.ignore})
			}
			files, err := ContextFiles(context.Background(), dir, filepath.Join(dir, "Dockerfile"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range files {
				got = append(got, f.Path)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("paths (-want +got):\n%s", diff)
			}
		})
	}
}

func TestContextFileEntries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{"bin/run": "#!/bin/sh\n", "link": "->bin/run", "d/": ""})
	for _, p := range []string{"bin/run", "bin", "d"} {
		if err := os.Chmod(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files, err := ContextFiles(context.Background(), dir, filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]ContextFile{}
	for _, f := range files {
		byPath[f.Path] = f
	}
	want := map[string]ContextFile{
		"bin":     {Path: "bin", Mode: fs.ModeDir | 0o755},
		"bin/run": {Path: "bin/run", Mode: 0o755, Size: 10, Digest: sha256.Sum256([]byte("#!/bin/sh\n"))},
		"d":       {Path: "d", Mode: fs.ModeDir | 0o755},
		"link":    {Path: "link", Mode: fs.ModeSymlink | 0o777, Link: "bin/run", Digest: sha256.Sum256([]byte("bin/run"))},
	}
	if diff := cmp.Diff(want, byPath); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}
