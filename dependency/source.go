package dependency

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/devspace-engine/devspace/config"
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
// it. Only `path:` sources exist in this version; this one function is
// what a source layer with git clones replaces.
func Locate(parent *config.Config, name string, dep *config.Dependency) (Location, error) {
	field := "dependencies." + name
	if dep.Git != "" {
		pos, _ := parent.Pos(field + ".git")
		return Location{}, fmt.Errorf("%s: dependency %q: git dependencies are not available yet: use path: with a local checkout", pos, name)
	}
	if dep.Path == "" {
		pos, _ := parent.Pos(field)
		return Location{}, fmt.Errorf("%s: dependency %q has no source: set path: to the project's directory", pos, name)
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
