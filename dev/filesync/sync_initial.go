package filesync

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"time"

	"github.com/devspace-engine/devspace/dev/syncproto"
)

// initial compares both trees and applies cfg.Initial; the files found
// equal (same size and mtime, or same content) become the base.
func (s *syncer) initial(ctx context.Context) error {
	start := time.Now()
	s.base = map[string]pair{}
	local, err := s.walkLocal()
	if err != nil {
		return err
	}
	var list []syncproto.Entry
	if err := s.conn.requestJSON(ctx, syncproto.List, nil, syncproto.Listing, &list); err != nil {
		return fmt.Errorf("list %s in the container: %w", s.cfg.Remote, err)
	}
	remote := map[string]*syncproto.Entry{}
	for i := range list {
		remote[list[i].Path] = &list[i]
	}
	d, err := s.compare(ctx, local, remote)
	if err != nil {
		return err
	}
	st, err := s.apply(ctx, plan(s.cfg.Initial, d.onlyLocal, d.onlyRemote, d.differ, local, remote), local, remote)
	s.report(ctx, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.log, "sync %s: %d files uploaded to %s in %s (%d downloaded, %d deleted there, %d deleted here, %d in step)\n",
		s.cfg.Local, st.up, s.cfg.Remote, time.Since(start).Round(time.Millisecond), st.down, st.delRemote, st.delLocal, len(s.base))
	if err := s.runOnUpload(ctx); err != nil {
		return err
	}
	// The restart helper holds the process back until the files are
	// there; after an initial sync that uploaded nothing it is started
	// here (a later restart is a no-op for a process that already runs
	// the current files).
	switch {
	case s.cfg.RestartContainer && st.up == 0:
		return s.restartProcess(ctx, 0)
	case s.cfg.StartContainer && !s.cfg.RestartContainer:
		return s.startProcess(ctx)
	}
	return nil
}

// differences are the files an initial sync has to act on, sorted.
type differences struct{ onlyLocal, onlyRemote, differ []string }

// compare sorts the files of both sides: those in step go to the base.
func (s *syncer) compare(ctx context.Context, local, remote map[string]*syncproto.Entry) (differences, error) {
	var d differences
	var sameSize []string
	for p, l := range local {
		r := remote[p]
		switch {
		case r == nil:
			d.onlyLocal = append(d.onlyLocal, p)
		case l.Same(r):
			s.base[p] = pair{l, r}
		case l.Size == r.Size:
			sameSize = append(sameSize, p)
		default:
			d.differ = append(d.differ, p)
		}
	}
	for p := range remote {
		if local[p] == nil && !syncproto.IsTemp(p) && syncproto.Stat(s.cfg.Local, p) == nil {
			d.onlyRemote = append(d.onlyRemote, p)
		}
	}
	equal, err := s.sameContent(ctx, sameSize)
	if err != nil {
		return d, err
	}
	for _, p := range sameSize {
		if equal[p] {
			s.base[p] = pair{local[p], remote[p]}
		} else {
			d.differ = append(d.differ, p)
		}
	}
	for _, l := range [][]string{d.onlyLocal, d.onlyRemote, d.differ} {
		slices.Sort(l)
	}
	return d, nil
}

// walkLocal lists the local regular files that are not excluded.
func (s *syncer) walkLocal() (map[string]*syncproto.Entry, error) {
	files := map[string]*syncproto.Entry{}
	err := filepath.WalkDir(s.cfg.Local, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := relTo(s.cfg.Local, p)
		if rel == "." {
			return nil
		}
		if excluded(s.cfg.Exclude, rel, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && !syncproto.IsTemp(rel) {
			if info, err := d.Info(); err == nil {
				files[rel] = syncproto.EntryOf(rel, info)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.cfg.Local, err)
	}
	return files, nil
}

// downloadable reports whether a file of the container may be brought
// here.
func (s *syncer) downloadable(rel string) bool {
	return s.cfg.Download && !syncproto.IsTemp(rel) && !excluded(s.cfg.DownloadExclude, rel, false) && !excludedDir(s.cfg.DownloadExclude, rel)
}

// sameContent compares files of equal size by their sha256 on both
// sides: the only time contents are hashed.
func (s *syncer) sameContent(ctx context.Context, files []string) (map[string]bool, error) {
	equal := map[string]bool{}
	if len(files) == 0 {
		return equal, nil
	}
	var sums map[string]string
	if err := s.conn.requestJSON(ctx, syncproto.Hash, files, syncproto.Hashes, &sums); err != nil {
		return nil, fmt.Errorf("hash files in %s: %w", s.cfg.Remote, err)
	}
	for _, p := range files {
		h := syncproto.HashFile(s.cfg.Local, p)
		equal[p] = h != "" && h == sums[p]
	}
	return equal, nil
}

// actions is what an initial sync does.
type actions struct {
	up, down, delRemote, delLocal, keepBoth []string
}

// plan decides by mode what happens to the files on one side only and
// to those that differ.
func plan(mode InitialSync, onlyLocal, onlyRemote, differ []string, local, remote map[string]*syncproto.Entry) actions {
	var a actions
	switch mode {
	case MirrorLocal:
		a.up, a.delRemote = append(onlyLocal, differ...), onlyRemote
	case MirrorRemote:
		a.down, a.delLocal = append(onlyRemote, differ...), onlyLocal
	case PreferRemote:
		a.up, a.down = onlyLocal, append(onlyRemote, differ...)
	case PreferNewest, KeepAll:
		a.up, a.down = onlyLocal, onlyRemote
		for _, p := range differ {
			switch {
			case mode == KeepAll:
				a.keepBoth = append(a.keepBoth, p)
			case remote[p].MTime > local[p].MTime:
				a.down = append(a.down, p)
			default:
				a.up = append(a.up, p)
			}
		}
	case NoInitial:
	default: // PreferLocal
		a.up, a.down = append(onlyLocal, differ...), onlyRemote
	}
	return a
}

type initialStats struct{ up, down, delRemote, delLocal int }

// apply carries out the plan. Uploads replace the container's files as
// listed (a file changed there since is a conflict, resolved as in
// follow); downloads replace local files as walked.
func (s *syncer) apply(ctx context.Context, a actions, local, remote map[string]*syncproto.Entry) (initialStats, error) {
	var st initialStats
	var err error
	if !s.cfg.Upload {
		a.up, a.delRemote = nil, nil
	}
	// Excluded files are not sync's: neither moved nor deleted.
	a.down = slices.DeleteFunc(a.down, func(p string) bool { return !s.downloadable(p) })
	a.delLocal = slices.DeleteFunc(a.delLocal, func(p string) bool { return !s.downloadable(p) })
	a.delRemote = slices.DeleteFunc(a.delRemote, func(p string) bool {
		return excluded(s.cfg.Exclude, p, false) || excludedDir(s.cfg.Exclude, p)
	})
	// The listing's state is what an upload or delete may replace.
	for _, p := range append(a.up, a.delRemote...) {
		if r := remote[p]; r != nil {
			s.base[p] = pair{remote: r}
		}
	}
	var conflicts []string
	if st.up, conflicts, err = s.upload(ctx, a.up, false); err != nil {
		return st, err
	}
	for _, p := range a.up {
		if s.base[p].local == nil {
			delete(s.base, p) // not uploaded
		}
	}
	if st.down, err = s.download(ctx, a.down, local, remote); err != nil {
		return st, err
	}
	var changed []string
	if st.delRemote, changed, err = s.deleteRemote(ctx, a.delRemote); err != nil {
		return st, err
	}
	for _, p := range a.delLocal {
		if s.deleteLocal(p, local[p]) {
			st.delLocal++
		}
	}
	for _, p := range slices.Concat(conflicts, a.keepBoth, changed) {
		if err := s.conflict(ctx, p); err != nil {
			return st, err
		}
	}
	return st, nil
}
