package docker

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/devspace-engine/devspace/imagebuild"
)

// dockerfileName is the name under which the in-memory Dockerfile travels
// in the build context; the Dockerfile on disk is never sent or changed.
const dockerfileName = ".devspace.Dockerfile"

// ignorePatterns returns the exclude patterns of a build as the user
// wrote them. Which ignore file applies is imagebuild.IgnorePatterns' decision
// (the build key uses it too); its patterns are re-read here without the
// re-includes it adds for the ignore file and the Dockerfile: those are
// for a daemon that reads the Dockerfile from the context, and this one
// sends the Dockerfile separately.
func ignorePatterns(contextDir, dockerfile string) ([]string, error) {
	_, file, err := imagebuild.IgnorePatterns(contextDir, dockerfile)
	if err != nil || file == "" {
		return nil, err
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return patterns, nil
}

// contextStats counts what a build context held.
type contextStats struct {
	Files int
	Bytes int64
}

// writeContext writes the build context of dir as an uncompressed tar
// stream to w: every file, directory and symlink that the exclude
// patterns keep (owned by root, as the docker CLI sends them; directories
// named .devspace, DevSpace's own state, are never sent), plus
// dockerfile under dockerfileName and a .dockerignore naming it, so the
// daemon reads the Dockerfile and then drops both from the context as it
// does for the docker CLI's own generated Dockerfile name.
func writeContext(ctx context.Context, w io.Writer, dir string, excludes []string, dockerfile []byte) (contextStats, error) {
	cw := &contextWriter{tw: tar.NewWriter(w)}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return cw.stats, fmt.Errorf("build context: %w", err)
	}
	pm, err := patternmatcher.New(excludes)
	if err != nil {
		return cw.stats, fmt.Errorf("ignore patterns: %w", err)
	}
	if err := cw.addBytes(dockerfileName, dockerfile); err != nil {
		return cw.stats, err
	}
	ignoreWritten := false
	walk := &contextWalk{pm: pm}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() && d.Name() == ".devspace" {
			return filepath.SkipDir
		}
		keep, descend, err := walk.visit(rel, d.IsDir())
		switch {
		case err != nil:
			return err
		case !keep && d.IsDir() && !descend:
			return filepath.SkipDir
		case !keep, rel == dockerfileName:
			return nil
		case rel == ".dockerignore" && d.Type().IsRegular():
			ignoreWritten = true
			content, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return cw.addBytes(rel, append(content, "\n"+dockerfileName+"\n"...))
		}
		return cw.addPath(path, rel, d)
	})
	if err != nil {
		return cw.stats, fmt.Errorf("build context %s: %w", dir, err)
	}
	if !ignoreWritten {
		if err := cw.addBytes(".dockerignore", []byte(".dockerignore\n"+dockerfileName+"\n")); err != nil {
			return cw.stats, err
		}
	}
	return cw.stats, cw.tw.Close()
}

// contextWalk applies exclude patterns during a depth-first walk, reusing
// each directory's match result for its children.
type contextWalk struct {
	pm      *patternmatcher.PatternMatcher
	parents []parentMatch
}

type parentMatch struct {
	dir  string
	info patternmatcher.MatchInfo
}

// visit says whether rel is kept and, for an excluded directory, whether
// an exception pattern (!dir/file) may still keep something inside it.
func (w *contextWalk) visit(rel string, isDir bool) (keep, descend bool, err error) {
	for len(w.parents) > 0 && !strings.HasPrefix(rel, w.parents[len(w.parents)-1].dir+"/") {
		w.parents = w.parents[:len(w.parents)-1]
	}
	var parent patternmatcher.MatchInfo
	if len(w.parents) > 0 {
		parent = w.parents[len(w.parents)-1].info
	}
	excluded, info, err := w.pm.MatchesUsingParentResults(rel, parent)
	if err != nil {
		return false, false, err
	}
	if isDir {
		w.parents = append(w.parents, parentMatch{dir: rel, info: info})
	}
	if !excluded {
		return true, true, nil
	}
	if !isDir || !w.pm.Exclusions() {
		return false, false, nil
	}
	for _, p := range w.pm.Patterns() {
		if p.Exclusion() && strings.HasPrefix(p.String()+"/", rel+"/") {
			return false, true, nil
		}
	}
	return false, false, nil
}

type contextWriter struct {
	tw    *tar.Writer
	stats contextStats
}

func (cw *contextWriter) addBytes(name string, data []byte) error {
	hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}
	if err := cw.tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := cw.tw.Write(data)
	cw.stats.Files++
	cw.stats.Bytes += int64(len(data))
	return err
}

// addPath adds a directory, regular file or symlink; sockets, devices and
// pipes are left out.
func (cw *contextWriter) addPath(path, rel string, d fs.DirEntry) error {
	if t := d.Type(); t != 0 && !t.IsDir() && t&fs.ModeSymlink == 0 {
		return nil
	}
	info, err := d.Info()
	if err != nil {
		return err
	}
	var link string
	if info.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(path); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return err
	}
	hdr.Name = rel
	if info.IsDir() {
		hdr.Name += "/"
	}
	hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
	hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
	hdr.ModTime = hdr.ModTime.Truncate(time.Second)
	if err := cw.tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.CopyN(cw.tw, f, hdr.Size)
	cw.stats.Files++
	cw.stats.Bytes += n
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s shrank while it was being sent", rel)
	}
	return err
}
