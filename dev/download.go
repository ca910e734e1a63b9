package dev

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/devspace-engine/devspace/statefile"
)

// listRemote lists the regular files under the remote directory as
// relative path → "size mtime", with find and stat (busybox has both).
func (s *syncer) listRemote(ctx context.Context, pod Pod) (map[string]string, error) {
	var out bytes.Buffer
	cmd := []string{"find", s.cfg.Remote, "-type", "f", "-exec", "stat", "-c", "%s %Y %n", "{}", "+"}
	if err := Exec(ctx, s.c, pod, cmd, ExecOptions{Stdout: &out}); err != nil {
		return nil, fmt.Errorf("list %s in the container: %w", s.cfg.Remote, err)
	}
	files := map[string]string{}
	prefix := strings.TrimSuffix(s.cfg.Remote, "/") + "/"
	for _, line := range strings.Split(out.String(), "\n") {
		size, rest, ok1 := strings.Cut(line, " ")
		mtime, name, ok2 := strings.Cut(rest, " ")
		if !ok1 || !ok2 || !strings.HasPrefix(name, prefix) {
			continue
		}
		files[strings.TrimPrefix(name, prefix)] = size + " " + mtime
	}
	return files, nil
}

// relist takes the container's current state as known.
func (s *syncer) relist(ctx context.Context, pod Pod) error {
	files, err := s.listRemote(ctx, pod)
	if err != nil {
		return err
	}
	s.remote = files
	return nil
}

// pull downloads the files that appeared or changed in the container
// since the last listing (deletions there are not propagated).
func (s *syncer) pull(ctx context.Context, pod Pod) error {
	files, err := s.listRemote(ctx, pod)
	if err != nil {
		return err
	}
	var changed []string
	for rel, st := range files {
		if s.remote[rel] != st && !excluded(s.cfg.DownloadExclude, rel, false) && !excludedDir(s.cfg.DownloadExclude, rel) {
			changed = append(changed, rel)
		}
	}
	s.remote = files
	if len(changed) == 0 {
		return nil
	}
	if err := s.download(ctx, pod, changed); err != nil {
		return err
	}
	fmt.Fprintf(s.log, "sync %s: %d downloaded\n", s.cfg.Remote, len(changed))
	return nil
}

// excludedDir reports whether a parent directory of rel is excluded.
func excludedDir(patterns []string, rel string) bool {
	for dir := path.Dir(rel); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if excluded(patterns, dir, true) {
			return true
		}
	}
	return false
}

// download fetches the files as one tar stream and writes each locally
// (atomically), remembering what it wrote.
func (s *syncer) download(ctx context.Context, pod Pod, files []string) error {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- s.extract(pr) }()
	cmd := append([]string{"tar", "-cf", "-", "-C", s.cfg.Remote}, files...)
	err := Exec(ctx, s.c, pod, cmd, ExecOptions{Stdout: pw})
	pw.CloseWithError(err)
	if xerr := <-done; err == nil {
		err = xerr
	}
	if err != nil {
		return fmt.Errorf("download from %s: %w", s.cfg.Remote, err)
	}
	return nil
}

func (s *syncer) extract(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		rel := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		if hdr.Typeflag != tar.TypeReg || rel == ".." || strings.HasPrefix(rel, "../") || path.IsAbs(rel) {
			continue // only regular files inside the sync root
		}
		data, err := io.ReadAll(io.LimitReader(tr, hdr.Size))
		if err != nil {
			return err
		}
		local := filepath.Join(s.cfg.Local, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
			return err
		}
		s.mu.Lock()
		s.downloaded[rel] = string(data)
		s.mu.Unlock()
		if err := statefile.WriteAtomic(local, data); err != nil {
			return err
		}
		_ = os.Chmod(local, os.FileMode(hdr.Mode).Perm())
	}
}
