package imagebuild

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// ContextFile is one entry of a build context, as covered by the build key.
// Directories are entries too, so an added empty directory or a changed
// directory mode changes the key.
type ContextFile struct {
	// Path is slash-separated and relative to the context directory.
	Path string
	// Mode holds the type and permission bits.
	Mode fs.FileMode
	// Size is the size of a regular file.
	Size int64
	// Digest is the sha256 of a regular file's content or of a symlink's
	// target text; zero for other entries.
	Digest [32]byte
	// Link is a symlink's target, as written.
	Link string
}

// ignoreFiles are the ignore files looked for, best first, relative to the
// context; "<Dockerfile>.dockerignore" beside the Dockerfile comes second.
const (
	devspaceIgnore = "devspace.dockerignore"
	dockerIgnore   = ".dockerignore"
)

// IgnorePatterns returns the exclude patterns for a context and the file they
// came from ("" when there is none). Precedence, as DevSpace and BuildKit:
// devspace.dockerignore in the context, then <Dockerfile>.dockerignore beside
// the Dockerfile, then .dockerignore in the context. The ignore file and a
// Dockerfile inside the context are always kept, as the docker CLI does.
func IgnorePatterns(contextDir, dockerfile string) ([]string, string, error) {
	candidates := []string{filepath.Join(contextDir, devspaceIgnore)}
	if dockerfile != "" {
		candidates = append(candidates, dockerfile+".dockerignore")
	}
	candidates = append(candidates, filepath.Join(contextDir, dockerIgnore))
	for _, path := range candidates {
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, "", fmt.Errorf("read ignore file: %w", err)
		}
		patterns, err := ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, "", fmt.Errorf("read ignore file %s: %w", path, err)
		}
		return keepBuildFiles(patterns, contextDir, dockerfile, path), path, nil
	}
	return nil, "", nil
}

// NamedContextIgnore returns the exclude patterns of a local named build
// context: its directory's .dockerignore, as written (none without one).
// BuildKit's frontend reads only that file for a named context and keeps
// no file it excludes, the ignore file itself included.
func NamedContextIgnore(dir string) ([]string, error) {
	f, err := os.Open(filepath.Join(dir, dockerIgnore))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read ignore file: %w", err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read ignore file %s: %w", f.Name(), err)
	}
	return patterns, nil
}

// keepBuildFiles re-includes the ignore file and the Dockerfile when a
// pattern excludes them.
func keepBuildFiles(patterns []string, contextDir, dockerfile, ignoreFile string) []string {
	for _, p := range []string{ignoreFile, dockerfile} {
		rel, err := filepath.Rel(contextDir, p)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		rel = filepath.ToSlash(rel)
		if excluded, _ := patternmatcher.Matches(rel, patterns); excluded {
			patterns = append(patterns, "!"+rel)
		}
	}
	return patterns
}

// walkEntry is a context entry found by the walk, not yet stat'ed or hashed:
// its slash-separated path relative to the context, its name in the
// directory that holds it (a substring of rel or of the matched path, not a
// string of its own), and that directory (an index into the walk's dirs).
// The walk keeps no absolute path per entry.
type walkEntry struct {
	rel, name string
	dir       int32
}

// walk is a walk's result: the entries, sorted by path, and the absolute
// paths of the directories that hold them.
type walk struct {
	entries []walkEntry
	dirs    []string
}

// walkContext lists the entries of contextDir that the patterns keep, sorted
// by path. Directories named .devspace (DevSpace's cache and logs) are never
// part of a context. Symlinks are listed, not followed.
func walkContext(contextDir string, patterns []string) (walk, error) {
	var pm *patternmatcher.PatternMatcher
	if len(patterns) > 0 {
		var err error
		if pm, err = patternmatcher.New(patterns); err != nil {
			return walk{}, fmt.Errorf("ignore patterns: %w", err)
		}
	}
	w := &walker{pm: pm}
	if err := w.dir(contextDir, "", patternmatcher.MatchInfo{}); err != nil {
		return walk{}, err
	}
	w.out.entries = slices.Concat(w.chunks...)
	slices.SortFunc(w.out.entries, func(a, b walkEntry) int { return strings.Compare(a.rel, b.rel) })
	return w.out, nil
}

// walkChunk is how many entries the walker collects in one slice: joined
// once at the end, so a big context's list is not copied again and again
// while it grows.
const walkChunk = 4096

type walker struct {
	pm     *patternmatcher.PatternMatcher
	out    walk
	chunks [][]walkEntry
	lister dirLister
	relBuf []byte
}

func (w *walker) add(e walkEntry) {
	if n := len(w.chunks); n == 0 || len(w.chunks[n-1]) == walkChunk {
		w.chunks = append(w.chunks, make([]walkEntry, 0, walkChunk))
	}
	last := &w.chunks[len(w.chunks)-1]
	*last = append(*last, e)
}

// subdir is a directory found by the walk, entered once its parent's
// listing is done.
type subdir struct {
	rel  string
	info patternmatcher.MatchInfo
}

func (w *walker) dir(abs, rel string, parent patternmatcher.MatchInfo) error {
	dirIndex := int32(len(w.out.dirs))
	w.out.dirs = append(w.out.dirs, abs)
	var subdirs []subdir
	var matchErr error
	err := w.lister.list(abs, func(name []byte, isDir bool) error {
		if isDir && string(name) == ".devspace" {
			return nil
		}
		e := walkEntry{dir: dirIndex}
		if rel == "" {
			e.rel = string(name)
		} else {
			w.relBuf = append(append(append(w.relBuf[:0], rel...), '/'), name...)
			e.rel = string(w.relBuf)
		}
		e.name = e.rel[len(e.rel)-len(name):]
		excluded, info := false, patternmatcher.MatchInfo{}
		if w.pm != nil {
			var err error
			if excluded, info, err = w.pm.MatchesUsingParentResults(e.rel, parent); err != nil {
				matchErr = fmt.Errorf("match %s against .dockerignore: %w", e.rel, err)
				return matchErr
			}
		}
		if !excluded {
			w.add(e)
		}
		if isDir && (!excluded || w.mayReinclude(e.rel)) {
			subdirs = append(subdirs, subdir{rel: e.rel, info: info})
		}
		return nil
	})
	if matchErr != nil {
		return matchErr
	} else if err != nil {
		return fmt.Errorf("read context directory: %w", err)
	}
	for _, d := range subdirs {
		if err := w.dir(abs+string(filepath.Separator)+path.Base(d.rel), d.rel, d.info); err != nil {
			return err
		}
	}
	return nil
}

// mayReinclude says whether an exception pattern (!dir/file) may keep
// something below an excluded directory, as the docker CLI decides it.
func (w *walker) mayReinclude(dir string) bool {
	if !w.pm.Exclusions() {
		return false
	}
	prefix := dir + "/"
	for _, p := range w.pm.Patterns() {
		if p.Exclusion() && strings.HasPrefix(filepath.ToSlash(p.String())+"/", prefix) {
			return true
		}
	}
	return false
}

// walkGlobs lists the files matching absolute doublestar globs (a matched
// directory contributes everything below it), relative to base, sorted.
func walkGlobs(base string, globs []string) (walk, error) {
	seen := map[string]bool{}
	dirIndex := map[string]int32{}
	var out walk
	add := func(abs string) error {
		rel, err := filepath.Rel(base, abs)
		if err != nil {
			return fmt.Errorf("onChange %s: %w", abs, err)
		}
		rel = filepath.ToSlash(rel)
		if seen[rel] {
			return nil
		}
		seen[rel] = true
		dir := filepath.Dir(abs)
		i, ok := dirIndex[dir]
		if !ok {
			i = int32(len(out.dirs))
			dirIndex[dir] = i
			out.dirs = append(out.dirs, dir)
		}
		out.entries = append(out.entries, walkEntry{rel: rel, name: filepath.Base(abs), dir: i})
		return nil
	}
	for _, g := range globs {
		matches, err := doublestar.FilepathGlob(g, doublestar.WithNoFollow())
		if err != nil {
			return walk{}, fmt.Errorf("onChange %q: %w", g, err)
		}
		for _, m := range matches {
			err := filepath.WalkDir(m, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				return add(p)
			})
			if err != nil {
				return walk{}, fmt.Errorf("onChange %q: %w", g, err)
			}
		}
	}
	slices.SortFunc(out.entries, func(a, b walkEntry) int { return strings.Compare(a.rel, b.rel) })
	return out, nil
}
