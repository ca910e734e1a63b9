package dev

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestExcludedFollowsGitignoreRules(t *testing.T) {
	patterns := []string{"*.tmp", "/build", "node_modules/", "docs/**/*.md", "!keep.tmp"}
	for _, tc := range []struct {
		rel  string
		dir  bool
		want bool
	}{
		{"a.tmp", false, true},
		{"deep/in/b.tmp", false, true},
		{"keep.tmp", false, false},
		{"build", true, true},
		{"src/build", true, false},
		{"node_modules", true, true},
		{"node_modules", false, false},
		{"docs/x/y/readme.md", false, true},
		{"readme.md", false, false},
		{"main.go", false, false},
	} {
		if got := excluded(patterns, tc.rel, tc.dir); got != tc.want {
			t.Errorf("excluded(%q, dir=%v) = %v, want %v", tc.rel, tc.dir, got, tc.want)
		}
	}
}

func TestWriteTarSkipsVanishedFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "a.txt"), []byte("hello"), 0o640); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := writeTar(&buf, dir, []string{"sub/a.txt", "gone.txt"}); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	hdr, err := tr.Next()
	if err != nil || hdr.Name != "sub/a.txt" || hdr.Mode&0o777 != 0o640 {
		t.Fatalf("first entry %+v, %v", hdr, err)
	}
	body, _ := io.ReadAll(tr)
	if string(body) != "hello" {
		t.Fatalf("content %q", body)
	}
	if _, err := tr.Next(); err != io.EOF {
		t.Fatalf("a vanished file was archived: %v", err)
	}
}
