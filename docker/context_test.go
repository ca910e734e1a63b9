package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devspace-engine/devspace/testbed"
)

// readTar returns name → content of a tar stream (directories map to "/").
func readTar(t *testing.T, data []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" {
			t.Errorf("%s: owner %d:%d %q, want root", hdr.Name, hdr.Uid, hdr.Gid, hdr.Uname)
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			out[hdr.Name] = "/"
		case tar.TypeSymlink:
			out[hdr.Name] = "-> " + hdr.Linkname
		default:
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			out[hdr.Name] = string(b)
		}
	}
}

func TestWriteContext(t *testing.T) {
	t.Parallel()
	const dockerfile = "FROM scratch\n"
	tests := []struct {
		name     string
		files    map[string]string
		excludes []string
		want     map[string]string
	}{{
		name:  "no ignore file",
		files: map[string]string{"a.txt": "a", "sub/b.txt": "b", "Dockerfile": "on disk"},
		want: map[string]string{
			dockerfileName: dockerfile, ".dockerignore": ".dockerignore\n" + dockerfileName + "\n",
			"a.txt": "a", "sub/": "/", "sub/b.txt": "b", "Dockerfile": "on disk",
		},
	}, {
		name:     "excluded files, directories and exceptions",
		files:    map[string]string{".dockerignore": "secret.txt\nlogs\n!logs/keep.log\n", "secret.txt": "s", "keep.txt": "k", "logs/a.log": "a", "logs/keep.log": "kept"},
		excludes: []string{"secret.txt", "logs", "!logs/keep.log"},
		want: map[string]string{
			dockerfileName: dockerfile, ".dockerignore": "secret.txt\nlogs\n!logs/keep.log\n\n" + dockerfileName + "\n",
			"keep.txt": "k", "logs/keep.log": "kept",
		},
	}, {
		name:     "an excluded .dockerignore is replaced",
		files:    map[string]string{".dockerignore": "*\n!app\n", "app/main.go": "package main", "other": "o"},
		excludes: []string{"*", "!app"},
		want: map[string]string{
			dockerfileName: dockerfile, ".dockerignore": ".dockerignore\n" + dockerfileName + "\n",
			"app/": "/", "app/main.go": "package main",
		},
	}, {
		name:  ".devspace directories and a clashing file name are not sent",
		files: map[string]string{".devspace/cache.yaml": "x", "sub/.devspace/logs/a": "x", dockerfileName: "stale", "keep": "k"},
		want: map[string]string{
			dockerfileName: dockerfile, ".dockerignore": ".dockerignore\n" + dockerfileName + "\n",
			"keep": "k", "sub/": "/",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			testbed.WriteTree(t, dir, tt.files)
			var buf bytes.Buffer
			stats, err := writeContext(context.Background(), &buf, dir, tt.excludes, []byte(dockerfile))
			if err != nil {
				t.Fatal(err)
			}
			got := readTar(t, buf.Bytes())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("context (-want +got):\n%s", diff)
			}
			if stats.Files == 0 || stats.Bytes == 0 {
				t.Errorf("stats %+v, want counts", stats)
			}
		})
	}
}

func TestWriteContextSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{"target.txt": "t"})
	if err := os.Symlink("target.txt", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := writeContext(context.Background(), &buf, dir, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := readTar(t, buf.Bytes())["link"]; got != "-> target.txt" {
		t.Errorf("link = %q, want a symlink to target.txt", got)
	}
}

func TestWriteContextCancelled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{"a": "a"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := writeContext(ctx, io.Discard, dir, nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestIgnorePatternsFromDockerfileIgnore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{
		".dockerignore":                  "context-rule\n",
		"app.Dockerfile.dockerignore":    "app-rule\napp.Dockerfile\n",
		"app.Dockerfile":                 "FROM scratch\n",
		"elsewhere/other.Dockerfile":     "FROM scratch\n",
		"elsewhere/other.Dockerfile.bak": "",
	})
	tests := []struct {
		dockerfile string
		want       []string
	}{
		// The patterns as written: no re-include of the Dockerfile.
		{filepath.Join(dir, "app.Dockerfile"), []string{"app-rule", "app.Dockerfile"}},
		{filepath.Join(dir, "elsewhere", "other.Dockerfile"), []string{"context-rule"}},
	}
	for _, tt := range tests {
		got, err := ignorePatterns(dir, tt.dockerfile)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: patterns (-want +got):\n%s", tt.dockerfile, diff)
		}
	}
}
