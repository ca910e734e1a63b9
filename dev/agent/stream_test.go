package agent

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestInstallStreamsTheFileHashed: the archive carries the agent file's
// content (read at install time, not kept in memory) under the name of
// its hash; once the file changed after it was hashed, installing
// refuses, naming it, instead of copying other content under that name.
func TestInstallStreamsTheFileHashed(t *testing.T) {
	exe, err := os.Executable() // a linux program for this architecture
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "devspace-sync-agent")
	if err := os.WriteFile(path, data, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := New(func(string) (string, error) { return path, nil }).sh.load(runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	f, err := b.open()
	if err != nil {
		t.Fatal(err)
	}
	var archive bytes.Buffer
	err = b.archive(&archive, f, true)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&archive)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, h.Name)
		if h.Typeflag == tar.TypeReg {
			content, err := io.ReadAll(tr)
			if err != nil || !bytes.Equal(content, data) {
				t.Errorf("%s in the archive: %d bytes (%v), want the %d of the agent", h.Name, len(content), err, len(data))
			}
		}
	}
	if want := "tmp/ tmp/" + b.name; strings.Join(got, " ") != want {
		t.Errorf("archive holds %q, want %q", got, want)
	}

	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if _, err := b.open(); err == nil || !strings.Contains(err.Error(), "changed since devspace read it") {
		t.Errorf("open after the agent changed: %v, want it refused", err)
	}
}
