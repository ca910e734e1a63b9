//go:build !linux

package imagebuild

import (
	"hash"
	"io"
	"os"
	"path/filepath"
)

// contextDir is a directory of a build context; its entries are stat'ed
// and read by their whole paths.
type contextDir struct{ path string }

func openContextDir(path string) (contextDir, error) { return contextDir{path: path}, nil }

func (d contextDir) close() {}

func (d contextDir) lstat(name string) (fileStat, error) {
	return lstat(filepath.Join(d.path, name))
}

func (d contextDir) readlink(name string) (string, error) {
	return os.Readlink(filepath.Join(d.path, name))
}

func (d contextDir) hashFile(name string, sum hash.Hash, buf []byte) (int64, error) {
	f, err := os.Open(filepath.Join(d.path, name))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return io.CopyBuffer(sum, f, buf)
}

// dirLister lists directories through package os.
type dirLister struct{}

// list calls fn for each entry of the directory at path, with the name and
// whether it is a directory (not following a symlink). An error from fn
// stops the listing.
func (dirLister) list(path string, fn func(name []byte, isDir bool) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return err
	}
	for _, d := range entries {
		if err := fn([]byte(d.Name()), d.IsDir()); err != nil {
			return err
		}
	}
	return nil
}
