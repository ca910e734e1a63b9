package imagebuild

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash"
	"io/fs"

	"golang.org/x/sys/unix"
)

// contextDir is an open directory of a build context: its entries are
// stat'ed and read relative to it, so the kernel resolves each entry's
// name alone instead of its whole path (a third of a no-change run's
// stat time on a deep tree).
type contextDir struct {
	path string
	fd   int
}

func openContextDir(path string) (contextDir, error) {
	for {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		} else if err != nil {
			return contextDir{}, &fs.PathError{Op: "open", Path: path, Err: err}
		}
		return contextDir{path: path, fd: fd}, nil
	}
}

func (d contextDir) close() { unix.Close(d.fd) }

// lstat stats the entry name without following a symlink.
func (d contextDir) lstat(name string) (fileStat, error) {
	var st unix.Stat_t
	for {
		err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err == unix.EINTR {
			continue
		} else if err != nil {
			return fileStat{}, &fs.PathError{Op: "lstat", Path: d.path + "/" + name, Err: err}
		}
		return fileStat{
			mode:     fileMode(st.Mode),
			id:       fileID{dev: st.Dev, ino: st.Ino},
			st:       stamp{size: st.Size, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()},
			memoable: true,
		}, nil
	}
}

// readlink returns the target of the symlink name.
func (d contextDir) readlink(name string) (string, error) {
	for n := 256; ; n *= 2 {
		buf := make([]byte, n)
		m, err := unix.Readlinkat(d.fd, name, buf)
		if err == unix.EINTR {
			continue
		} else if err != nil {
			return "", &fs.PathError{Op: "readlink", Path: d.path + "/" + name, Err: err}
		}
		if m < n {
			return string(buf[:m]), nil
		}
	}
}

// hashFile writes the content of the file name to sum, reading through buf,
// and returns its length.
func (d contextDir) hashFile(name string, sum hash.Hash, buf []byte) (int64, error) {
	fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	for err == unix.EINTR {
		fd, err = unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return 0, &fs.PathError{Op: "open", Path: d.path + "/" + name, Err: err}
	}
	defer unix.Close(fd)
	var n int64
	for {
		m, err := unix.Read(fd, buf)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return n, &fs.PathError{Op: "read", Path: d.path + "/" + name, Err: err}
		case m == 0:
			return n, nil
		}
		sum.Write(buf[:m])
		n += int64(m)
	}
}

// openSub opens the subdirectory name of d, relative to d, without
// following a symlink.
func (d contextDir) openSub(name string) (contextDir, error) {
	for {
		fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		} else if err != nil {
			return contextDir{}, &fs.PathError{Op: "open", Path: d.path + "/" + name, Err: err}
		}
		return contextDir{path: d.path + "/" + name, fd: fd}, nil
	}
}

// dirLister lists directories with getdents into one reused buffer: no
// allocation per entry, and no stat where the file system gives the type.
type dirLister struct{ buf []byte }

// list calls fn for each entry of the open directory d but . and .., with
// the name (valid only during the call) and whether it is a directory (not
// following a symlink). An error from fn stops the listing.
func (l *dirLister) list(d contextDir, fn func(name []byte, isDir bool) error) error {
	if l.buf == nil {
		l.buf = make([]byte, 32<<10)
	}
	for {
		n, err := unix.Getdents(d.fd, l.buf)
		if err == unix.EINTR {
			continue
		} else if err != nil {
			return &fs.PathError{Op: "readdirent", Path: d.path, Err: err}
		}
		if n <= 0 {
			return nil
		}
		for b := l.buf[:n]; len(b) > 0; {
			// struct linux_dirent64: ino u64, off i64, reclen u16, type u8, name.
			reclen := int(binary.NativeEndian.Uint16(b[16:]))
			typ, name := b[18], b[19:reclen]
			// The name's NUL is in the record's last 8 bytes (it is
			// padded to a multiple of 8), after the name's own bytes.
			tail := max(0, len(name)-8)
			name = name[:tail+bytes.IndexByte(name[tail:], 0)]
			b = b[reclen:]
			if string(name) == "." || string(name) == ".." {
				continue
			}
			isDir := typ == unix.DT_DIR
			if typ == unix.DT_UNKNOWN {
				fst, err := d.lstat(string(name))
				if errors.Is(err, fs.ErrNotExist) {
					continue
				} else if err != nil {
					return err
				}
				isDir = fst.mode.IsDir()
			}
			if err := fn(name, isDir); err != nil {
				return err
			}
		}
	}
}
