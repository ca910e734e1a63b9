package dev

import (
	"archive/tar"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/fsnotify/fsnotify"

	"github.com/devspace-engine/devspace/kube"
)

// SyncConfig is one sync[] entry: a local directory kept in step with a
// directory in the container.
type SyncConfig struct {
	// Local is the absolute local directory, Remote the container's.
	Local, Remote string
	// Exclude are gitignore-style patterns (excludePaths and
	// uploadExcludePaths): "name" matches at any depth, "/name" at the
	// root only, "dir/" directories only, "**" any depth.
	Exclude []string
	// Download brings files made or changed in the container back,
	// except those DownloadExclude matches.
	Download        bool
	DownloadExclude []string
}

// pollInterval is how often the container's directory is listed for
// changes to download.
const pollInterval = time.Second

// batchDelay gathers the events of one save (editors write, rename and
// chmod in quick succession) into one upload.
const batchDelay = 50 * time.Millisecond

// Sync uploads the local directory to the container of the pod next
// returns, then every local change, batched into one tar stream per
// burst. Deletions propagate only for files sync itself uploaded. When
// the pod goes away it resumes on the next one with a new initial sync.
// ready gets nil after the first initial sync (or its error). The
// container needs tar, mkdir and rm (busybox or coreutils); nothing is
// downloaded into it.
func Sync(ctx context.Context, c *kube.Client, next func(context.Context) (Pod, error), cfg SyncConfig, log io.Writer, ready chan<- error) (err error) {
	first := true
	defer func() { // ready hears exactly once, whatever happens
		if first {
			ready <- cmp.Or(err, ctx.Err())
		}
	}()
	w, err := newWatcher(cfg)
	if err != nil {
		return err
	}
	defer w.close()
	s := &syncer{c: c, cfg: cfg, log: log, uploaded: map[string]bool{}, downloaded: map[string]string{}}
	for ctx.Err() == nil {
		pod, err := next(ctx)
		if err != nil {
			return err
		}
		err = s.initial(ctx, pod)
		if first {
			first = false
			ready <- err
			if err != nil {
				return err
			}
		}
		if err == nil {
			err = s.follow(ctx, pod, w)
		}
		if ctx.Err() == nil && err != nil {
			fmt.Fprintf(log, "sync %s: %v; resuming on the next pod\n", cfg.Remote, err)
			time.Sleep(500 * time.Millisecond)
		}
	}
	return nil
}

type syncer struct {
	c        *kube.Client
	cfg      SyncConfig
	log      io.Writer
	mu       sync.Mutex
	uploaded map[string]bool // relative paths sync put in the container
	// remote is the container's last listing (path → size and mtime);
	// downloaded maps files written locally by a download to their
	// content, so that their own watch events are not uploaded back.
	remote     map[string]string
	downloaded map[string]string
}

// initial uploads every local file that is not excluded.
func (s *syncer) initial(ctx context.Context, pod Pod) error {
	start := time.Now()
	var files []string
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
		if d.Type().IsRegular() {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", s.cfg.Local, err)
	}
	if err := Exec(ctx, s.c, pod, []string{"mkdir", "-p", s.cfg.Remote}, ExecOptions{}); err != nil {
		return fmt.Errorf("create %s in the container: %w", s.cfg.Remote, err)
	}
	if err := s.upload(ctx, pod, files); err != nil {
		return err
	}
	fmt.Fprintf(s.log, "sync %s: %d files uploaded to %s in %s\n", s.cfg.Local, len(files), s.cfg.Remote, time.Since(start).Round(time.Millisecond))
	return nil
}

// upload sends the files as one tar stream extracted in the remote dir.
func (s *syncer) upload(ctx context.Context, pod Pod, files []string) error {
	if len(files) == 0 {
		return nil
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeTar(pw, s.cfg.Local, files)) }()
	err := Exec(ctx, s.c, pod, []string{"tar", "-xmf", "-", "-C", s.cfg.Remote}, ExecOptions{Stdin: pr})
	pr.CloseWithError(errors.New("upload ended"))
	if err != nil {
		return fmt.Errorf("upload to %s: %w", s.cfg.Remote, err)
	}
	s.mu.Lock()
	for _, f := range files {
		s.uploaded[f] = true
	}
	s.mu.Unlock()
	return nil
}

// writeTar archives files (relative to dir); a file that vanished since
// it was listed is skipped.
func writeTar(w io.Writer, dir string, files []string) error {
	tw := tar.NewWriter(w)
	for _, rel := range files {
		if err := addFile(tw, dir, rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return tw.Close()
}

func addFile(tw *tar.Writer, dir, rel string) error {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return err
	}
	hdr, err := tar.FileInfoHeader(info, "")
	if err != nil {
		return err
	}
	hdr.Name = rel
	hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err = io.CopyN(tw, f, hdr.Size)
	return err
}

// follow uploads each burst of local changes and, with Download, brings
// back what changed in the container, until ctx ends or an exec fails
// (the pod went away).
func (s *syncer) follow(ctx context.Context, pod Pod, w *watcher) error {
	if s.cfg.Download {
		if err := s.relist(ctx, pod); err != nil {
			return err
		}
	}
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan [2][]string)
	batchErr := make(chan error, 1)
	go func() { // owned by follow: ends with bctx
		for {
			changed, removed, err := w.batch(bctx)
			if err != nil || bctx.Err() != nil {
				batchErr <- err
				return
			}
			select {
			case batches <- [2][]string{changed, removed}:
			case <-bctx.Done():
				batchErr <- nil
				return
			}
		}
	}()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return nil
		case err = <-batchErr:
			return err
		case b := <-batches:
			err = s.push(ctx, pod, s.notDownloaded(b[0]), b[1])
		case <-tick.C:
			if s.cfg.Download {
				err = s.pull(ctx, pod)
			}
		}
		if err != nil {
			return err
		}
	}
}

// push uploads changed files and removes deleted ones in the container.
func (s *syncer) push(ctx context.Context, pod Pod, changed, removed []string) error {
	if err := s.upload(ctx, pod, changed); err != nil {
		return err
	}
	if err := s.remove(ctx, pod, removed); err != nil {
		return err
	}
	if len(changed)+len(removed) == 0 {
		return nil
	}
	fmt.Fprintf(s.log, "sync %s: %d uploaded, %d removed\n", s.cfg.Remote, len(changed), len(removed))
	if s.cfg.Download {
		return s.relist(ctx, pod) // our own uploads are not remote changes
	}
	return nil
}

// notDownloaded drops files whose local content is what a download just
// wrote: their watch events are the download's, not the user's.
func (s *syncer) notDownloaded(changed []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.DeleteFunc(changed, func(rel string) bool {
		want, ok := s.downloaded[rel]
		if !ok {
			return false
		}
		delete(s.downloaded, rel)
		data, err := os.ReadFile(filepath.Join(s.cfg.Local, filepath.FromSlash(rel)))
		return err == nil && string(data) == want
	})
}

// remove deletes in the container the removed files that sync put there.
func (s *syncer) remove(ctx context.Context, pod Pod, removed []string) error {
	var paths []string
	s.mu.Lock()
	for _, r := range removed {
		for f := range s.uploaded {
			if f == r || strings.HasPrefix(f, r+"/") {
				paths = append(paths, path.Join(s.cfg.Remote, f))
				delete(s.uploaded, f)
			}
		}
	}
	s.mu.Unlock()
	if len(paths) == 0 {
		return nil
	}
	slices.Sort(paths)
	return Exec(ctx, s.c, pod, append([]string{"rm", "-f", "--"}, paths...), ExecOptions{})
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
