package filesync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/devspace-engine/devspace/dev/syncproto"
)

// localChanged uploads the files of a local burst that differ from the
// base (a download's own writes do not) and deletes in the container the
// removed files that were in step.
func (s *syncer) localChanged(ctx context.Context, changed, removed []string) error {
	if !s.cfg.Upload {
		return nil
	}
	defer s.report(ctx, false)
	var up []string
	for _, p := range changed {
		l := syncproto.Stat(s.cfg.Local, p)
		if l == nil || l.Same(s.base[p].local) {
			continue
		}
		up = append(up, p)
	}
	var gone []string
	for _, r := range removed {
		for p := range s.base {
			if (p == r || strings.HasPrefix(p, r+"/")) && syncproto.Stat(s.cfg.Local, p) == nil {
				gone = append(gone, p)
			}
		}
	}
	slices.Sort(gone)
	n, conflicts, err := s.upload(ctx, up, false)
	if err != nil {
		return err
	}
	deleted, kept, err := s.deleteRemote(ctx, gone)
	if err != nil {
		return err
	}
	if n+deleted > 0 {
		fmt.Fprintf(s.log, "sync %s: %d uploaded, %d removed\n", s.cfg.Remote, n, deleted)
	}
	// Changed in the container too: nothing is lost.
	for _, p := range slices.Concat(conflicts, kept) {
		if err := s.conflict(ctx, p); err != nil {
			return err
		}
	}
	return s.runOnUpload(ctx)
}

// remoteChanged applies what the agent reported: a file changed there
// is downloaded when the local copy is as last in step (else it is a
// conflict); a file deleted there is deleted here when it was in step
// and unchanged here (a local change is put back instead).
func (s *syncer) remoteChanged(ctx context.Context, changes map[string]*syncproto.Entry) error {
	if !s.cfg.Download || len(changes) == 0 {
		return nil
	}
	defer s.report(ctx, false)
	paths := make([]string, 0, len(changes))
	for p := range changes {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var down, conflicts, putBack []string
	want := map[string]*syncproto.Entry{}
	removed := 0
	for _, p := range paths {
		r := changes[p]
		b, known := s.base[p]
		if !s.downloadable(p) || (r != nil && known && r.Same(b.remote)) {
			continue
		}
		l := syncproto.Stat(s.cfg.Local, p)
		switch {
		case r == nil && !known:
		case r == nil && (l == nil || l.Same(b.local)):
			delete(s.base, p)
			if l != nil && s.deleteLocal(p, l) {
				removed++
			}
		case r == nil: // changed here, deleted there: put it back
			delete(s.base, p)
			putBack = append(putBack, p)
		case l == nil || (known && l.Same(b.local)):
			down, want[p] = append(down, p), l
		case !known && l.Same(r):
			s.base[p] = pair{l, r}
		default:
			conflicts = append(conflicts, p)
		}
	}
	n, err := s.download(ctx, down, want, changes)
	if err != nil {
		return err
	}
	if n+removed > 0 {
		fmt.Fprintf(s.log, "sync %s: %d downloaded, %d removed locally\n", s.cfg.Remote, n, removed)
	}
	if s.cfg.Upload && len(putBack) > 0 {
		if _, more, err := s.upload(ctx, putBack, false); err != nil {
			return err
		} else {
			conflicts = append(conflicts, more...)
		}
	}
	for _, p := range conflicts {
		if err := s.conflict(ctx, p); err != nil {
			return err
		}
	}
	return s.runOnUpload(ctx) // for what was put back or settled
}

// conflict settles a file changed on both sides since the base: the
// newer version stays in place on both sides, the other is saved beside
// it (name.devspace-conflict-SIDE-TIME) and synced too. Same contents
// are no conflict; a side where the file is gone takes the other's.
// Without downloads the local version replaces the container's.
func (s *syncer) conflict(ctx context.Context, p string) error {
	if !s.cfg.Download {
		delete(s.base, p)
		s.batch.conflict(p + ": changed in the container too; replaced with the local version (downloads are off)")
		_, _, err := s.upload(ctx, []string{p}, true)
		return err
	}
	data, err := s.conn.request(ctx, syncproto.Get, mustJSON([]string{p}), syncproto.Files)
	if err != nil {
		return fmt.Errorf("download from %s: %w", s.cfg.Remote, err)
	}
	hs, bodies, err := syncproto.ReadFileStream(data)
	if err != nil {
		return err
	}
	localData, l, lerr := syncproto.ReadFile(s.cfg.Local, p)
	delete(s.base, p)
	switch {
	case len(hs) == 0 && lerr != nil: // gone on both sides
		return nil
	case len(hs) == 0: // only here: it goes there
		if s.cfg.Upload {
			_, _, err = s.upload(ctx, []string{p}, false)
		}
		return err
	case lerr != nil: // only there: it comes here
		if s.downloadable(p) {
			_, err = s.download(ctx, []string{p}, map[string]*syncproto.Entry{p: nil}, nil)
		}
		return err
	}
	r := hs[0].Entry
	if bytes.Equal(localData, bodies[0]) {
		s.base[p] = pair{l, &r}
		return nil
	}
	if r.MTime > l.MTime {
		return s.keepRemote(ctx, p, r, bodies[0])
	}
	return s.keepLocal(ctx, p, r, bodies[0])
}

// keepRemote settles a conflict for the container's (newer) version: the
// local one is moved beside it and uploaded.
func (s *syncer) keepRemote(ctx context.Context, p string, r syncproto.Entry, data []byte) error {
	saved := conflictName(p, "local")
	if err := s.renameLocal(p, saved); err != nil {
		return err
	}
	// Saved here again meanwhile? Then that stays, the container's beside.
	divert := func(cur *syncproto.Entry) string {
		if cur == nil {
			return p
		}
		return conflictName(p, "remote")
	}
	wrote, local, err := syncproto.WriteFile(s.cfg.Local, r, data, divert)
	if err != nil {
		return err
	}
	if wrote == p {
		s.base[p] = pair{local, &r}
	}
	if _, _, err := s.upload(ctx, []string{saved}, false); err != nil {
		return err
	}
	s.logConflict(p, "the container's", saved)
	return nil
}

// keepLocal settles a conflict for the local (newer) version: the
// container's is saved beside it, and both are uploaded.
func (s *syncer) keepLocal(ctx context.Context, p string, r syncproto.Entry, data []byte) error {
	saved := conflictName(p, "remote")
	keep := syncproto.Entry{Path: saved, Size: r.Size, MTime: r.MTime, Mode: r.Mode}
	if _, _, err := syncproto.WriteFile(s.cfg.Local, keep, data, nil); err != nil {
		return err
	}
	s.base[p] = pair{remote: &r} // what the upload replaces
	_, again, err := s.upload(ctx, []string{p, saved}, false)
	if err != nil {
		return err
	}
	if len(again) > 0 {
		fmt.Fprintf(s.log, "sync %s: %s changed again in the container; settled on its next change\n", s.cfg.Remote, p)
	}
	s.logConflict(p, "the local", saved)
	return nil
}

func (s *syncer) logConflict(p, kept, saved string) {
	s.batch.conflict(fmt.Sprintf("%s: kept %s (newer), the other saved as %s", p, kept, saved))
	fmt.Fprintf(s.log, "sync %s: conflict: %s changed on both sides; kept %s (newer) in place, the other is saved as %s\n", s.cfg.Remote, p, kept, saved)
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // only lists of strings are marshalled
	}
	return data
}

func jsonUnmarshal(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("sync agent: %w", err)
	}
	return nil
}
