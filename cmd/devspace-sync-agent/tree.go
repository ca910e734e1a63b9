package main

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devspace-engine/devspace/dev/syncproto"
)

// tree is the agent's snapshot of the files under its root: what it last
// reported (or wrote). Scans compare the disk with it and report the
// differences.
type tree struct {
	files map[string]syncproto.Entry
	dirs  map[string]bool // directories seen, "." the root
}

func newTree() *tree {
	return &tree{files: map[string]syncproto.Entry{}, dirs: map[string]bool{".": true}}
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	return dir == "." || p == dir || strings.HasPrefix(p, dir+"/")
}

// scan reads dir (relative to root; all of it below when recursive,
// else its own files and any directory below it not seen before),
// updates the snapshot and returns the changes. Directories scanned are
// watched when w is not nil.
func (t *tree) scan(root, dir string, recursive bool, w *inotify) []syncproto.Change {
	r := &reading{t: t, root: root, w: w, found: map[string]*syncproto.Entry{}, dirs: map[string]bool{}}
	if info, err := os.Stat(filepath.Join(root, filepath.FromSlash(dir))); err == nil && info.IsDir() {
		r.walk(dir, recursive)
	}
	return t.update(r, dir, recursive)
}

// reading is what one scan found on disk.
type reading struct {
	t       *tree
	root    string
	w       *inotify
	found   map[string]*syncproto.Entry // regular files
	dirs    map[string]bool             // directories listed or seen
	newDirs []string                    // directories not in the snapshot, read in full
}

func (r *reading) walk(rel string, deep bool) {
	abs := filepath.Join(r.root, filepath.FromSlash(rel))
	if r.w != nil {
		r.w.add(abs, rel)
	}
	r.dirs[rel] = true
	ents, err := os.ReadDir(abs)
	if err != nil {
		return
	}
	for _, d := range ents {
		p := path.Join(rel, d.Name())
		switch {
		case syncproto.IsTemp(p):
		case d.IsDir() && !deep && r.t.dirs[p]:
			r.dirs[p] = true // known: its own events cover it
		case d.IsDir():
			if !deep {
				r.newDirs = append(r.newDirs, p)
			}
			r.walk(p, true)
		case d.Type().IsRegular():
			if info, err := d.Info(); err == nil {
				r.found[p] = syncproto.EntryOf(p, info)
			}
		}
	}
}

// covers reports whether the scan of dir read what is at p: dir's own
// files, everything below when recursive or in a new directory, and
// everything below a subdirectory that is gone.
func (r *reading) covers(p, dir string, recursive bool) bool {
	if !within(p, dir) {
		return false
	}
	if recursive || path.Dir(p) == dir {
		return true
	}
	for _, nd := range r.newDirs {
		if within(p, nd) {
			return true
		}
	}
	for sub := path.Dir(p); sub != "." && sub != dir; sub = path.Dir(sub) {
		if path.Dir(sub) == dir {
			return !r.dirs[sub]
		}
	}
	return false
}

// update brings the snapshot to what r read and returns the changes.
func (t *tree) update(r *reading, dir string, recursive bool) []syncproto.Change {
	var changes []syncproto.Change
	for p, old := range t.files {
		if !r.covers(p, dir, recursive) {
			continue
		}
		if cur := r.found[p]; cur == nil {
			delete(t.files, p)
			changes = append(changes, syncproto.Change{Path: p})
		} else if !cur.Same(&old) {
			t.files[p] = *cur
			changes = append(changes, syncproto.Change{Path: p, Entry: cur})
		}
	}
	for p, cur := range r.found {
		if _, ok := t.files[p]; !ok {
			t.files[p] = *cur
			changes = append(changes, syncproto.Change{Path: p, Entry: cur})
		}
	}
	for d := range t.dirs {
		if d != dir && r.covers(path.Join(d, "x"), dir, recursive) && !r.dirs[d] {
			delete(t.dirs, d)
		}
	}
	for d := range r.dirs {
		t.dirs[d] = true
	}
	slices.SortFunc(changes, func(a, b syncproto.Change) int { return strings.Compare(a.Path, b.Path) })
	return changes
}

// wrote records a file the agent itself wrote, so that no scan reports
// it. Directories it created are left for the next scan to find, which
// then watches them.
func (t *tree) wrote(e *syncproto.Entry) { t.files[e.Path] = *e }

// removed records a file the agent deleted, and the directories that
// went with it.
func (t *tree) removed(root, rel string) {
	delete(t.files, rel)
	for d := path.Dir(rel); d != "."; d = path.Dir(d) {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(d))); err == nil {
			break
		}
		delete(t.dirs, d)
	}
}

// entries lists the snapshot sorted by path.
func (t *tree) entries() []syncproto.Entry {
	out := make([]syncproto.Entry, 0, len(t.files))
	for _, e := range t.files {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b syncproto.Entry) int { return strings.Compare(a.Path, b.Path) })
	return out
}
