//go:build !linux

package imagebuild

import (
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// contextDir is a directory of a build context; its entries are stat'ed
// and read by their whole paths.
type contextDir struct{ path string }

func openContextDir(path string) (contextDir, error) {
	st, err := os.Stat(path)
	if err != nil {
		return contextDir{}, err
	}
	if !st.IsDir() {
		return contextDir{}, &fs.PathError{Op: "open", Path: path, Err: syscall.ENOTDIR}
	}
	return contextDir{path: path}, nil
}

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

// openSub opens the subdirectory name of d.
func (d contextDir) openSub(name string) (contextDir, error) {
	p := filepath.Join(d.path, name)
	st, err := os.Lstat(p)
	if err != nil {
		return contextDir{}, err
	}
	if !st.IsDir() {
		return contextDir{}, &fs.PathError{Op: "open", Path: p, Err: syscall.ENOTDIR}
	}
	return contextDir{path: p}, nil
}

// dirLister lists directories through package os.
type dirLister struct{}

// list calls fn for each entry of the directory d, with the name and
// whether it is a directory (not following a symlink). An error from fn
// stops the listing.
func (dirLister) list(d contextDir, fn func(name []byte, isDir bool) error) error {
	f, err := os.Open(d.path)
	if err != nil {
		return err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := fn([]byte(e.Name()), e.IsDir()); err != nil {
			return err
		}
	}
	return nil
}
