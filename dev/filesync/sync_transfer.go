package filesync

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/devspace-engine/devspace/dev/syncproto"
)

// Batches are split so that no frame holds more than this.
const (
	maxBatchBytes = 1 << 20
	maxBatchFiles = 2000
)

// upload sends local files, each replacing the container's copy only
// when it is as last in step (absent when it was not), or whatever is
// there with force. Files whose precondition failed (the container's
// copy changed too) are returned; the others are in step afterwards.
func (s *syncer) upload(ctx context.Context, files []string, force bool) (n int, conflicts []string, err error) {
	var stream syncproto.FileStream
	sent := map[string]*syncproto.Entry{}
	flush := func() error {
		if stream.Len() == 0 {
			return nil
		}
		data, err := s.conn.requestStream(ctx, &stream, syncproto.Put, syncproto.Results)
		stream.Reset()
		if err != nil {
			return fmt.Errorf("upload to %s: %w", s.cfg.Remote, err)
		}
		var res []syncproto.Result
		if err := jsonUnmarshal(data, &res); err != nil {
			return err
		}
		for _, r := range res {
			switch {
			case r.Conflict:
				conflicts = append(conflicts, r.Path)
			case r.Err != "":
				fmt.Fprintf(s.log, "sync %s: upload %s: %s\n", s.cfg.Remote, r.Path, r.Err)
				s.batch.failure("upload " + r.Path + ": " + r.Err)
			default:
				s.base[r.Path] = pair{local: sent[r.Path], remote: r.Entry}
				if e := sent[r.Path]; e != nil {
					s.batch.Up.wrote(r.Path, e.Size)
				}
				s.uploaded = append(s.uploaded, r.Path)
				n++
			}
		}
		clear(sent)
		return nil
	}
	for _, rel := range files {
		e, err := stream.AddFile(s.cfg.Local, rel, syncproto.Expect{Path: rel, Entry: s.base[rel].remote, Any: force})
		if err != nil {
			continue // gone since it was listed
		}
		sent[rel] = e
		if stream.Size() >= maxBatchBytes || stream.Len() >= maxBatchFiles {
			if err := flush(); err != nil {
				return n, conflicts, err
			}
		}
	}
	return n, conflicts, flush()
}

// download fetches files from the container and writes each atomically
// where the local file is still in the state want gives (nil: absent);
// otherwise (it changed meanwhile) the container's copy is saved beside
// it as a conflict copy. It returns how many files it wrote. Batches
// are cut by the sizes the container reported (remote), when known.
func (s *syncer) download(ctx context.Context, files []string, want, remote map[string]*syncproto.Entry) (int, error) {
	n := 0
	for len(files) > 0 {
		k, size := 0, int64(0)
		for k < len(files) && k < maxBatchFiles && (k == 0 || size < maxBatchBytes) {
			if r := remote[files[k]]; r != nil {
				size += r.Size
			}
			k++
		}
		batch := files[:k]
		files = files[k:]
		data, err := s.conn.request(ctx, syncproto.Get, mustJSON(batch), syncproto.Files)
		if err != nil {
			return n, fmt.Errorf("download from %s: %w", s.cfg.Remote, err)
		}
		hs, bodies, err := syncproto.ReadFileStream(data)
		if err != nil {
			return n, err
		}
		for i, h := range hs {
			remote := h.Entry
			divert := func(cur *syncproto.Entry) string {
				if cur.Same(want[h.Path]) {
					return h.Path
				}
				return conflictName(h.Path, "remote")
			}
			wrote, local, err := syncproto.WriteFile(s.cfg.Local, h.Entry, bodies[i], divert)
			if err != nil {
				fmt.Fprintf(s.log, "sync %s: download %s: %v\n", s.cfg.Remote, h.Path, err)
				s.batch.failure(fmt.Sprintf("download %s: %v", h.Path, err))
				continue
			}
			if wrote != h.Path {
				fmt.Fprintf(s.log, "sync %s: conflict: %s changed on both sides; kept the local one, the container's is saved as %s\n", s.cfg.Remote, h.Path, wrote)
				s.batch.conflict(fmt.Sprintf("%s: kept the local one, the container's saved as %s", h.Path, wrote))
				continue // uploaded as a new file by the watch
			}
			s.base[h.Path] = pair{local: local, remote: &remote}
			s.batch.Down.wrote(h.Path, h.Entry.Size)
			n++
		}
	}
	return n, nil
}

// deleteRemote deletes files in the container that are still as they
// were last in step; those changed there meanwhile are returned, kept.
func (s *syncer) deleteRemote(ctx context.Context, files []string) (n int, changed []string, err error) {
	if len(files) == 0 {
		return 0, nil, nil
	}
	xs := make([]syncproto.Expect, len(files))
	for i, f := range files {
		xs[i] = syncproto.Expect{Path: f, Entry: s.base[f].remote}
	}
	var res []syncproto.Result
	if err := s.conn.requestJSON(ctx, syncproto.Delete, xs, syncproto.Results, &res); err != nil {
		return 0, nil, fmt.Errorf("delete in %s: %w", s.cfg.Remote, err)
	}
	for _, r := range res {
		delete(s.base, r.Path)
		switch {
		case r.Conflict:
			changed = append(changed, r.Path)
		case r.Err != "":
			fmt.Fprintf(s.log, "sync %s: delete %s: %s\n", s.cfg.Remote, r.Path, r.Err)
			s.batch.failure("delete " + r.Path + ": " + r.Err)
		default:
			s.batch.Up.Removed++
			n++
		}
	}
	return n, changed, nil
}

// deleteLocal deletes a local file if it is still as last in step (or
// as want says).
func (s *syncer) deleteLocal(rel string, want *syncproto.Entry) bool {
	if !syncproto.Stat(s.cfg.Local, rel).Same(want) {
		return false
	}
	if err := syncproto.RemoveFile(s.cfg.Local, rel); err != nil {
		fmt.Fprintf(s.log, "sync %s: delete %s locally: %v\n", s.cfg.Remote, rel, err)
		s.batch.failure(fmt.Sprintf("delete %s locally: %v", rel, err))
		return false
	}
	s.batch.Down.Removed++
	delete(s.base, rel)
	return true
}

// conflictName is where the version of rel that lost is saved: beside
// it, named after the side it came from and the time.
func conflictName(rel, side string) string {
	return rel + ".devspace-conflict-" + side + "-" + time.Now().Format("20060102-150405.000")
}

// renameLocal moves a local file within the sync root.
func (s *syncer) renameLocal(from, to string) error {
	return os.Rename(filepath.Join(s.cfg.Local, filepath.FromSlash(from)), filepath.Join(s.cfg.Local, filepath.FromSlash(to)))
}
