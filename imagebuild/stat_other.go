//go:build !(linux || openbsd || solaris || darwin || freebsd || netbsd)

package imagebuild

import "os"

// lstat stats path without following a symlink. Without device and inode
// numbers there is no memo: every file is read on every run.
func lstat(path string) (fileStat, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return fileStat{}, err
	}
	return fileStat{mode: info.Mode(), st: stamp{size: info.Size()}}, nil
}
