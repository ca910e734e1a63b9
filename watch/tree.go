// Package watch watches file trees for run_watch: each --path is a
// directory to watch and a glob (doublestar) relative to it; directories
// that appear under a watched tree are watched as they come, and excluded
// paths never report a change.
package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/fsnotify/fsnotify"
)

// watchPattern is one --path: a directory to watch and a glob relative to it.
type watchPattern struct {
	// shown is the watched directory as written ("" for the current one);
	// a match is shown as shown/rel.
	shown string
	// dir is the watched directory, absolute with symlinks resolved.
	dir string
	// glob is matched against paths relative to dir; "" matches anything
	// under dir (a --path that names a directory).
	glob string
	// maxDepth is how many path segments a match can have, so that `*.txt`
	// watches one directory and not the whole tree; -1 for any (`**`).
	maxDepth int
}

// cleanPattern trims what DevSpace trims: spaces, a leading ./ and a
// trailing /.
func cleanPattern(p string) string {
	p = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(p), "./"), "/")
	if p == "" {
		return "."
	}
	return filepath.ToSlash(p)
}

func hasMeta(s string) bool { return strings.ContainsAny(s, "*?[{") }

// newWatchPattern splits a --path at the first segment with a glob
// character: the part before it is the directory to watch. A path without
// glob characters watches itself if it is a directory, else the file.
func newWatchPattern(cwd, raw string) (watchPattern, error) {
	p := cleanPattern(raw)
	if !doublestar.ValidatePattern(p) {
		return watchPattern{}, fmt.Errorf("--path %q: invalid glob pattern", raw)
	}
	segs := strings.Split(p, "/")
	i := 0
	for i < len(segs) && !hasMeta(segs[i]) {
		i++
	}
	wp := watchPattern{maxDepth: -1}
	switch {
	case i == len(segs) && isDir(absFrom(cwd, p)): // a directory: everything in it
		wp.shown = p
	case i == len(segs): // a file, existing or not: watch its directory
		wp.shown, wp.glob, wp.maxDepth = path.Dir(p), path.Base(p), 1
	default:
		wp.shown, wp.glob = strings.Join(segs[:i], "/"), strings.Join(segs[i:], "/")
		if wp.shown == "" && strings.HasPrefix(p, "/") {
			wp.shown = "/"
		}
		if !strings.Contains(wp.glob, "**") && !strings.Contains(wp.glob, "{") { // braces may hold a /
			wp.maxDepth = len(segs) - i
		}
	}
	if wp.shown == "." {
		wp.shown = ""
	}
	abs := absFrom(cwd, wp.shown)
	dir, err := filepath.EvalSymlinks(abs)
	if err != nil || !isDir(dir) {
		return watchPattern{}, fmt.Errorf("--path %q: cannot watch %s as the directory must exist", raw, abs)
	}
	wp.dir = dir
	return wp, nil
}

func absFrom(cwd, p string) string {
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(cwd, p)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// rel returns abs relative to the pattern's directory, slash-separated, or
// false if it is outside it.
func (wp watchPattern) rel(abs string) (string, bool) {
	r, err := filepath.Rel(wp.dir, abs)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(r), true
}

// wantsDir reports whether a directory may hold matches of the pattern.
func (wp watchPattern) wantsDir(abs string) bool {
	r, ok := wp.rel(abs)
	if !ok {
		return false
	}
	depth := 0
	if r != "." {
		depth = strings.Count(r, "/") + 1
	}
	return wp.maxDepth < 0 || depth < wp.maxDepth
}

func (wp watchPattern) matches(rel string) bool {
	if rel == "." {
		return false
	}
	return wp.glob == "" || doublestar.MatchUnvalidated(wp.glob, rel)
}

// Tree watches the directories of all patterns, recursively as far
// as each pattern needs: fsnotify watches single directories, so new
// subdirectories are added as they appear.
type Tree struct {
	w        *fsnotify.Watcher
	patterns []watchPattern
	excludes []string
}

// NewTree starts watching the directories of paths (relative to cwd);
// changes under excludes are never reported.
func NewTree(cwd string, paths, excludes []string) (*Tree, error) {
	t := &Tree{}
	for _, p := range paths {
		wp, err := newWatchPattern(cwd, p)
		if err != nil {
			return nil, err
		}
		t.patterns = append(t.patterns, wp)
	}
	for _, e := range excludes {
		e = cleanPattern(e)
		if !doublestar.ValidatePattern(e) {
			return nil, fmt.Errorf("--exclude %q: invalid glob pattern", e)
		}
		t.excludes = append(t.excludes, e)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("starting the file watcher: %w", err)
	}
	t.w = w
	for _, wp := range t.patterns {
		if err := t.addTree(wp.dir, nil); err != nil {
			_ = w.Close()
			return nil, fmt.Errorf("watching %s: %w", wp.dir, err)
		}
	}
	return t, nil
}

// Close stops watching.
func (t *Tree) Close() error { return t.w.Close() }

// Events are fsnotify's events for the watched directories; Changed says
// which of them are changes to report.
func (t *Tree) Events() <-chan fsnotify.Event { return t.w.Events }

// Errors are fsnotify's errors; IsOverflow tells lost events apart.
func (t *Tree) Errors() <-chan error { return t.w.Errors }

// Root is one watched directory and the glob matched under it.
type Root struct{ Dir, Glob string }

// Roots lists what is watched, one entry per --path.
func (t *Tree) Roots() []Root {
	roots := make([]Root, len(t.patterns))
	for i, wp := range t.patterns {
		roots[i] = Root{Dir: wp.dir, Glob: wp.glob}
	}
	return roots
}

// addTree watches root and the directories under it that a pattern wants.
// found, if set, is called with every path under root: files created with
// a new directory may be there before its watch is.
func (t *Tree) addTree(root string, found func(string)) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // vanished or unreadable below the root: not ours to fail on
		}
		if p != root && found != nil {
			found(p)
		}
		if !d.IsDir() {
			return nil
		}
		if !t.wantsDir(p) {
			return fs.SkipDir
		}
		if err := t.w.Add(p); err != nil && p == root {
			return err
		}
		return nil
	})
}

func (t *Tree) wantsDir(p string) bool {
	for _, wp := range t.patterns {
		if wp.wantsDir(p) {
			return true
		}
	}
	return false
}

// Changed reports the path an event touches if it matches a pattern and no
// exclude, as it is shown to the user. A new directory is watched, and
// what is already inside it counts as changed too: then the last match
// (the deepest, most recently made) is reported.
func (t *Tree) Changed(ev fsnotify.Event) (string, bool) {
	shown, ok := t.match(ev.Name)
	if ev.Has(fsnotify.Create) && isDir(ev.Name) && t.wantsDir(ev.Name) {
		_ = t.addTree(ev.Name, func(p string) {
			if s, found := t.match(p); found {
				shown, ok = s, true
			}
		})
	}
	return shown, ok
}

func (t *Tree) match(abs string) (string, bool) {
	for _, wp := range t.patterns {
		rel, ok := wp.rel(abs)
		if !ok || !wp.matches(rel) {
			continue
		}
		shown := path.Join(wp.shown, rel)
		if !t.excluded(shown, rel) {
			return shown, true
		}
	}
	return "", false
}

// excluded matches an exclude against the path relative to the current
// directory and, as DevSpace does, relative to the pattern's directory. An
// exclude without glob characters also covers everything under it.
func (t *Tree) excluded(shown, rel string) bool {
	for _, e := range t.excludes {
		for _, p := range []string{shown, rel} {
			if doublestar.MatchUnvalidated(e, p) || !hasMeta(e) && strings.HasPrefix(p, e+"/") {
				return true
			}
		}
	}
	return false
}

// isOverflow reports an event queue overflow: changes were lost, so the
// caller should assume that something changed.
func IsOverflow(err error) bool { return errors.Is(err, fsnotify.ErrEventOverflow) }
