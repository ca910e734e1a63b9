package lifecycle

import (
	"errors"
	"io/fs"
	"os"
	"testing"
)

// TestTempDirLazy: the path is known up front, the directory appears only
// on Ensure (private to the user), and Remove deletes it with its files.
func TestTempDirLazy(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	d := NewTempDir()
	if _, err := os.Stat(d.Path()); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("NewTempDir made %s (stat: %v); it must wait for Ensure", d.Path(), err)
	}
	dir, err := d.Ensure()
	if err != nil || dir != d.Path() {
		t.Fatalf("Ensure = %q, %v; want %q", dir, err, d.Path())
	}
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("stat %s: %v, %v; want a 0700 directory", dir, info, err)
	}
	if err := os.WriteFile(dir+"/f", []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.Remove()
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Remove left %s (stat: %v)", dir, err)
	}
}

// TestTempDirTaken: a path someone else made first is not used.
func TestTempDirTaken(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	d := NewTempDir()
	if err := os.Mkdir(d.Path(), 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Ensure(); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Ensure on a path that exists: %v, want an error", err)
	}
	d.Remove()
	if _, err := os.Stat(d.Path()); err != nil {
		t.Errorf("Remove deleted a directory it did not make: %v", err)
	}
}
