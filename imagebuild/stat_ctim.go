//go:build linux || openbsd || solaris

package imagebuild

import "syscall"

// lstat stats path without following a symlink and without allocating a
// FileInfo: this runs once per context file on every run.
func lstat(path string) (fileStat, error) {
	var sys syscall.Stat_t
	if err := lstatSys(path, &sys); err != nil {
		return fileStat{}, err
	}
	return fileStat{
		mode:     fileMode(uint32(sys.Mode)),
		id:       fileID{dev: uint64(sys.Dev), ino: uint64(sys.Ino)},
		st:       stamp{size: sys.Size, mtime: sys.Mtim.Nano(), ctime: sys.Ctim.Nano()},
		memoable: true,
	}, nil
}
