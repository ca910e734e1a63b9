package dependency

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/source"
)

// Location is where a dependency's project lives on disk.
type Location struct {
	// Dir is the project's directory; the dependency's pipelines run there.
	Dir string
	// File is its config file when the source names one; empty means
	// devspace.yaml in Dir.
	File string
}

// ConfigFile is the dependency's config file. It also identifies the
// project in the tree: two parents naming the same project share one run,
// and a dependency naming the root's directory is the root.
func (l Location) ConfigFile() string {
	if l.File != "" {
		return l.File
	}
	return filepath.Join(l.Dir, "devspace.yaml")
}

// Locate resolves a dependency's source against the file that declares
// it: a `path:` (a directory or a config file), or a `git:` repository
// checked out through the source cache (branch, tag, revision, subPath).
func Locate(ctx context.Context, parent *config.Config, name string, dep *config.Dependency) (Location, error) {
	field := "dependencies." + name
	if dep.Git != "" {
		dir, err := source.Resolve(ctx, dep.Spec(), parent.Dir)
		if err != nil {
			pos, _ := parent.Pos(field + ".git")
			return Location{}, fmt.Errorf("%s: dependency %q: %w", pos, name, err)
		}
		return Location{Dir: dir}, nil
	}
	if dep.Path == "" {
		pos, _ := parent.Pos(field)
		return Location{}, fmt.Errorf("%s: dependency %q has no source: set path: or git:", pos, name)
	}
	path := dep.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(parent.Dir, path)
	}
	path = filepath.Clean(path)
	info, err := os.Stat(path)
	if err != nil {
		pos, _ := parent.Pos(field + ".path")
		return Location{}, fmt.Errorf("%s: dependency %q: path %s: %w", pos, name, dep.Path, err)
	}
	if !info.IsDir() {
		return Location{Dir: filepath.Dir(path), File: path}, nil
	}
	return Location{Dir: path}, nil
}

// prefetch brings the git repositories of from's dependencies names up to
// date in parallel before a caller resolves them one at a time (a
// sequential run, the tree listing), so it waits for the slowest fetch,
// not their sum. Failures surface when each is resolved, at its entry.
func prefetch(ctx context.Context, from *Project, names []string) {
	var specs []source.Spec
	for _, name := range names {
		if dep := from.Config.Dependencies[name]; dep != nil && dep.Git != "" {
			specs = append(specs, dep.Spec())
		}
	}
	if len(specs) > 1 {
		source.Prefetch(ctx, specs)
	}
}
