package filesync

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/fsnotify/fsnotify"

	"github.com/devspace-engine/devspace/dev/syncproto"
)

// batchDelay gathers the events of one save (editors write, rename and
// chmod in quick succession) into one upload.
const batchDelay = 50 * time.Millisecond

// excludedDir reports whether a parent directory of rel is excluded.
func excludedDir(patterns []string, rel string) bool {
	for dir := path.Dir(rel); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if excluded(patterns, dir, true) {
			return true
		}
	}
	return false
}

// excluded matches rel (slash-separated, relative to the sync root)
// against gitignore-style patterns.
func excluded(patterns []string, rel string, dir bool) bool {
	out := false
	for _, p := range patterns {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		if strings.HasSuffix(p, "/") {
			if !dir {
				continue
			}
			p = strings.TrimSuffix(p, "/")
		}
		var ok bool
		switch {
		case strings.HasPrefix(p, "/"):
			ok, _ = doublestar.Match(strings.TrimPrefix(p, "/"), rel)
		case strings.Contains(p, "/"):
			ok, _ = doublestar.Match(p, rel)
		default:
			ok, _ = doublestar.Match(p, path.Base(rel))
		}
		if ok {
			out = !neg
		}
	}
	return out
}

// watcher reports local changes under the sync root, recursively.
type watcher struct {
	cfg SyncConfig
	fs  *fsnotify.Watcher
}

func newWatcher(cfg SyncConfig) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", cfg.Local, err)
	}
	w := &watcher{cfg: cfg, fs: fw}
	if err := w.addTree(cfg.Local); err != nil {
		fw.Close()
		return nil, err
	}
	return w, nil
}

func (w *watcher) close() { w.fs.Close() }

// addTree watches dir and every directory below it that is not excluded.
func (w *watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if rel := relTo(w.cfg.Local, p); rel != "." && excluded(w.cfg.Exclude, rel, true) {
			return filepath.SkipDir
		}
		if err := w.fs.Add(p); err != nil {
			return fmt.Errorf("watch %s: %w", p, err)
		}
		return nil
	})
}

func relTo(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}

// batch waits for the next change and gathers the burst it starts:
// files written or created (a new directory's files too), and paths that
// are gone.
func (w *watcher) batch(ctx context.Context) (changed, removed []string, err error) {
	seen := map[string]bool{}
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil, nil, nil
		case err := <-w.fs.Errors:
			return nil, nil, fmt.Errorf("watch %s: %w", w.cfg.Local, err)
		case ev := <-w.fs.Events:
			w.note(ev, seen)
			if timer == nil {
				timer = time.After(batchDelay)
			}
		case <-timer:
			for p := range seen {
				info, err := os.Stat(p)
				rel := relTo(w.cfg.Local, p)
				switch {
				case syncproto.IsTemp(rel): // an atomic write's, renamed or not yet
				case err != nil:
					removed = append(removed, rel)
				case info.Mode().IsRegular() && !excluded(w.cfg.Exclude, rel, false):
					changed = append(changed, rel)
				}
			}
			slices.Sort(changed)
			slices.Sort(removed)
			return changed, removed, nil
		}
	}
}

// note records an event; a new directory is watched and its files taken.
func (w *watcher) note(ev fsnotify.Event, seen map[string]bool) {
	if ev.Op == fsnotify.Chmod {
		return
	}
	seen[ev.Name] = true
	info, err := os.Stat(ev.Name)
	if err != nil || !info.IsDir() || !ev.Has(fsnotify.Create) {
		return
	}
	if rel := relTo(w.cfg.Local, ev.Name); excluded(w.cfg.Exclude, rel, true) {
		return
	}
	_ = w.addTree(ev.Name)
	_ = filepath.WalkDir(ev.Name, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			seen[p] = true
		}
		return nil
	})
}
