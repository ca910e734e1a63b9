// Package statefile writes the project's state files (.devspace/*.json)
// so that no reader ever sees half a file and concurrent devspace
// processes do not lose each other's updates.
package statefile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/devspace-engine/devspace/lifecycle"
)

// WriteAtomic replaces path with data so that readers see the old or the
// new content, never a part: a temp file in the same directory, fsync,
// rename, then fsync of the directory (best effort).
func WriteAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	lifecycle.TrackTemp(tmp.Name()) // removed if devspace is killed meanwhile
	defer lifecycle.UntrackTemp(tmp.Name())
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Locked runs fn while holding an exclusive lock on path+".lock", creating
// path's directory first. Read-modify-write cycles of a state file go in
// fn, so two processes never interleave them.
func Locked(path string, fn func() error) error {
	return locked(path, (*flock.Flock).Lock, fn)
}

// lockRetry is how often a waiter for a lock held elsewhere tries again.
const lockRetry = 20 * time.Millisecond

// LockedContext is Locked, but waiting for a lock that another run holds
// (it may be cloning for minutes) ends with ctx's error when ctx does, so
// Ctrl-C is not stuck behind it.
func LockedContext(ctx context.Context, path string, fn func() error) error {
	return locked(path, func(l *flock.Flock) error {
		_, err := l.TryLockContext(ctx, lockRetry)
		return err
	}, fn)
}

func locked(path string, take func(*flock.Flock) error, fn func() error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	lock := flock.New(path + ".lock")
	if err := take(lock); err != nil {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	defer lock.Unlock()
	return fn()
}

// ProjectFile is the path of a project's state file STEM.json in the
// .devspace directory beside the config at configPath. A config with
// another name than devspace.yaml gets STEM-NAME.json, so that two
// configs in one directory keep separate state.
func ProjectFile(configPath, stem string) string {
	base := filepath.Base(configPath)
	name := stem + ".json"
	if base != "devspace.yaml" && base != "devspace.yml" {
		name = stem + "-" + strings.TrimSuffix(base, filepath.Ext(base)) + ".json"
	}
	return filepath.Join(filepath.Dir(configPath), ".devspace", name)
}
