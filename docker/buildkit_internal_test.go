package docker

import (
	"context"
	"io"
	iofs "io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"
	apibuild "github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
	"github.com/tonistiigi/fsutil"
	fstypes "github.com/tonistiigi/fsutil/types"

	"github.com/devspace-engine/devspace/imagebuild"
)

func TestNewBuilderChoice(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		env     string
		ping    client.PingResult
		want    int
		forced  bool
		wantErr bool
	}{
		{"announced", "", client.PingResult{BuilderVersion: apibuild.BuilderBuildKit, OSType: "linux"}, 1, false, false},
		{"silent linux daemon: try", "", client.PingResult{OSType: "linux"}, 0, false, false},
		{"classic builder announced", "", client.PingResult{BuilderVersion: apibuild.BuilderV1, OSType: "linux"}, -1, false, false},
		{"windows daemon", "", client.PingResult{OSType: "windows"}, -1, false, false},
		{"forced buildkit", "buildkit", client.PingResult{BuilderVersion: apibuild.BuilderV1}, 1, true, false},
		{"forced legacy", "legacy", client.PingResult{BuilderVersion: apibuild.BuilderBuildKit}, -1, true, false},
		{"unknown", "BuildKit", client.PingResult{}, 0, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := newBuilderChoice(tt.env, tt.ping)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.buildkit != tt.want || c.forced != tt.forced {
				t.Errorf("buildkit=%d forced=%v, want %d %v", c.buildkit, c.forced, tt.want, tt.forced)
			}
		})
	}
}

// TestKeepOnly: with the key's file list, exactly those files and the
// directories above them are sent; without it, all but .devspace.
func TestKeepOnly(t *testing.T) {
	t.Parallel()
	dir := &fstypes.Stat{Mode: uint32(iofs.ModeDir | 0o755)}
	file := &fstypes.Stat{Mode: 0o644}
	keep := keepOnly([]imagebuild.ContextFile{{Path: "a/b/c.txt"}, {Path: "top.txt"}})
	for _, tt := range []struct {
		path string
		st   *fstypes.Stat
		want fsutil.MapResult
	}{
		{"a", dir, fsutil.MapResultKeep},
		{"a/b", dir, fsutil.MapResultKeep},
		{"a/b/c.txt", file, fsutil.MapResultKeep},
		{"a/b/d.txt", file, fsutil.MapResultExclude},
		{"a/x", dir, fsutil.MapResultSkipDir},
		{"top.txt", file, fsutil.MapResultKeep},
		{"other.txt", file, fsutil.MapResultExclude},
	} {
		if got := keep(tt.path, tt.st); got != tt.want {
			t.Errorf("listed: %s: %v, want %v", tt.path, got, tt.want)
		}
	}
	all := keepOnly(nil)
	if got := all("x/.devspace", dir); got != fsutil.MapResultSkipDir {
		t.Errorf("unlisted: .devspace: %v", got)
	}
	if got := all("x/y.txt", file); got != fsutil.MapResultKeep {
		t.Errorf("unlisted: x/y.txt: %v", got)
	}
}

// TestMemFS: a walk of the root lists every file, a walk of one path only
// that file (fsutil stats paths that way), Open reads the content.
func TestMemFS(t *testing.T) {
	t.Parallel()
	m := memFS{{name: "Dockerfile", data: []byte("FROM scratch\n"), mtime: 1}, {name: "Dockerfile.dockerignore", data: []byte("x\n"), mtime: 1}}
	walk := func(target string) []string {
		var got []string
		err := m.Walk(context.Background(), target, func(p string, d iofs.DirEntry, err error) error {
			info, _ := d.Info()
			if info.Sys().(*fstypes.Stat).Path != p {
				t.Errorf("stat path %q for %q", info.Sys().(*fstypes.Stat).Path, p)
			}
			got = append(got, p)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if diff := cmp.Diff([]string{"Dockerfile", "Dockerfile.dockerignore"}, walk("/")); diff != "" {
		t.Errorf("walk /: %s", diff)
	}
	if diff := cmp.Diff([]string{"Dockerfile"}, walk("Dockerfile")); diff != "" {
		t.Errorf("walk Dockerfile: %s", diff)
	}
	if got := walk("missing"); len(got) != 0 {
		t.Errorf("walk missing: %v", got)
	}
	rc, err := m.Open("/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	if string(data) != "FROM scratch\n" {
		t.Errorf("Open: %q", data)
	}
	if _, err := m.Open("nope"); err == nil {
		t.Error("Open of a missing file succeeded")
	}
}
