package hookcontainer

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/runvars"
)

func archive(t *testing.T, entries ...tar.Header) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range entries {
		h.Mode = 0o644
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			_, _ = tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

// TestExtract: entries land under localPath without their top name;
// links are left out; names that would leave localPath are refused.
func TestExtract(t *testing.T) {
	var log bytes.Buffer
	r := New(Options{Log: &log})
	dir := t.TempDir()
	in := archive(t,
		tar.Header{Name: "out/", Typeflag: tar.TypeDir},
		tar.Header{Name: "out/a.txt", Typeflag: tar.TypeReg, Size: 2},
		tar.Header{Name: "out/sub/b.txt", Typeflag: tar.TypeReg, Size: 1},
		tar.Header{Name: "out/link", Typeflag: tar.TypeSymlink, Linkname: "/etc"},
	)
	if err := r.extract(in, "out", filepath.Join(dir, "copy")); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{"copy/a.txt": "xx", "copy/sub/b.txt": "x"} {
		if got, err := os.ReadFile(filepath.Join(dir, file)); err != nil || string(got) != want {
			t.Errorf("%s: %q %v", file, got, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "copy/link")); !os.IsNotExist(err) || !strings.Contains(log.String(), "out/link left out") {
		t.Errorf("symlink: %v; log %q", err, log.String())
	}

	for _, name := range []string{"out/../../evil", "other/x", "/etc/passwd"} {
		in := archive(t, tar.Header{Name: name, Typeflag: tar.TypeReg, Size: 1})
		if err := r.extract(in, "out", filepath.Join(dir, "copy")); err == nil {
			t.Errorf("%s: extracted", name)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "evil")); !os.IsNotExist(err) {
		t.Errorf("evil written: %v", err)
	}
}

// TestImageSelector: an images: name, image()/tag() and runtime variables
// resolve; an unknown name in a helper is an error.
func TestImageSelector(t *testing.T) {
	store := runvars.New(map[string]runvars.Image{"app": {Image: "reg/app", Tag: "v1"}})
	store.SetImage("app", runvars.Image{Image: "reg/app", Tag: "v2"}) // just built
	r := New(Options{Runtime: store})
	for in, want := range map[string]string{
		"app":                               "reg/app:v2",
		"image(app):tag(app)":               "reg/app:v2",
		"image(app)":                        "reg/app",
		"reg/app:${runtime.images.app.tag}": "reg/app:v2",
		"busybox:1":                         "busybox:1",
	} {
		if got, err := r.imageSelector(in); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := r.imageSelector("image(web):tag(web)"); err == nil || !strings.Contains(err.Error(), `no image "web"`) {
		t.Errorf("image(web): %v", err)
	}
	if _, err := r.imageSelector("${runtime.images.web.tag}"); err == nil || !strings.Contains(err.Error(), "web") {
		t.Errorf("${runtime.images.web.tag}: %v", err)
	}
}
