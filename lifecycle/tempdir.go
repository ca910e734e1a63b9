package lifecycle

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// TempDir is a run's temp directory (DEVSPACE_TMPDIR). Every temp file of
// the run belongs in it. Its path is chosen up front, because it is a
// config variable, but the directory is made only on first use: most runs
// (`run-pipeline hello`) never need it. Remove, or Abort, deletes it.
type TempDir struct {
	path string

	once sync.Once
	err  error
}

// NewTempDir chooses a fresh path under the system temp directory; it
// creates nothing.
func NewTempDir() *TempDir {
	name := fmt.Sprintf("devspace-run-%d-%s", os.Getpid(), strconv.FormatUint(rand.Uint64(), 36))
	return &TempDir{path: filepath.Join(os.TempDir(), name)}
}

// Path is the directory's path, made or not; "" for a nil TempDir.
func (d *TempDir) Path() string {
	if d == nil {
		return ""
	}
	return d.path
}

// Ensure makes the directory if it does not exist yet and returns its
// path. Mkdir, not MkdirAll: the path must be new, so a directory or link
// someone else put there first is an error rather than ours to use.
func (d *TempDir) Ensure() (string, error) {
	if d == nil {
		return "", nil
	}
	d.once.Do(func() {
		registry.gate.RLock()
		defer registry.gate.RUnlock()
		if registry.exiting {
			d.err = ErrExiting
			return
		}
		if err := os.Mkdir(d.path, 0o700); err != nil {
			d.err = fmt.Errorf("create temp dir: %w", err)
			return
		}
		TrackTemp(d.path)
	})
	return d.path, d.err
}

// Remove deletes the directory and all in it, if it was made.
func (d *TempDir) Remove() {
	if d == nil {
		return
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if _, made := registry.temps[d.path]; made {
		_ = os.RemoveAll(d.path)
		delete(registry.temps, d.path)
	}
}
