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
	found := map[string]*syncproto.Entry{}
	seenDirs := map[string]bool{}
	var newDirs []string
	var walk func(rel string, deep bool)
	walk = func(rel string, deep bool) {
		abs := filepath.Join(root, filepath.FromSlash(rel))
		if w != nil {
			w.add(abs, rel)
		}
		seenDirs[rel] = true
		ents, err := os.ReadDir(abs)
		if err != nil {
			return
		}
		for _, d := range ents {
			p := path.Join(rel, d.Name())
			switch {
			case syncproto.IsTemp(p):
			case d.IsDir():
				if deep || !t.dirs[p] {
					if !deep {
						newDirs = append(newDirs, p)
					}
					walk(p, true)
				} else {
					seenDirs[p] = true
				}
			case d.Type().IsRegular():
				if info, err := d.Info(); err == nil {
					found[p] = syncproto.EntryOf(p, info)
				}
			}
		}
	}
	if info, err := os.Stat(filepath.Join(root, filepath.FromSlash(dir))); err == nil && info.IsDir() {
		walk(dir, recursive)
	}
	inScope := func(p string) bool {
		if recursive || path.Dir(p) == dir {
			return true
		}
		for _, nd := range newDirs {
			if within(p, nd) {
				return true
			}
		}
		// Below a subdirectory of dir that is gone?
		for sub := path.Dir(p); sub != "." && within(sub, dir) && sub != dir; sub = path.Dir(sub) {
			if path.Dir(sub) == dir {
				return !seenDirs[sub]
			}
		}
		return false
	}
	var changes []syncproto.Change
	for p, old := range t.files {
		if !within(p, dir) || !inScope(p) {
			continue
		}
		if cur := found[p]; cur == nil {
			delete(t.files, p)
			changes = append(changes, syncproto.Change{Path: p})
		} else if !cur.Same(&old) {
			t.files[p] = *cur
			changes = append(changes, syncproto.Change{Path: p, Entry: cur})
		}
	}
	for p, cur := range found {
		if _, ok := t.files[p]; !ok {
			t.files[p] = *cur
			changes = append(changes, syncproto.Change{Path: p, Entry: cur})
		}
	}
	for d := range t.dirs {
		if d != dir && within(d, dir) && inScope(path.Join(d, "x")) && !seenDirs[d] {
			delete(t.dirs, d)
		}
	}
	for d := range seenDirs {
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
