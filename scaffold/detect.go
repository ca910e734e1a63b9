// Package scaffold looks at a project's directory (a Dockerfile,
// Kubernetes manifests, a Helm chart, a kustomization) and writes the
// devspace.yaml that `devspace init` creates for it.
package scaffold

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

// Found is what Detect saw in a project directory. Paths are relative to
// it, with forward slashes.
type Found struct {
	// Dockerfile is the project's Dockerfile ("" when there is none); the
	// one at the top wins over one further down.
	Dockerfile string
	// Port is the first port the Dockerfile EXPOSEs (0: none).
	Port int
	// WorkDir is the Dockerfile's last WORKDIR ("" when none).
	WorkDir string
	// Manifests are the files and directories (ending in /) holding
	// Kubernetes objects, outside charts and kustomizations.
	Manifests []string
	// ManifestImages are the container images the manifests run, in the
	// order first seen.
	ManifestImages []string
	// Chart is the directory of a Helm chart (holding Chart.yaml).
	Chart string
	// Kustomization is the directory of a kustomization.yaml.
	Kustomization string
}

// maxDepth bounds the walk: what init looks for sits near the top.
const maxDepth = 3

// skipped are directories never searched.
var skipped = map[string]bool{".git": true, ".devspace": true, "node_modules": true, "vendor": true, ".idea": true, ".vscode": true}

// Detect walks dir (three levels deep) for what init can use.
func Detect(dir string) (Found, error) {
	var f Found
	yamlDirs := map[string][]string{} // directory → its YAML files
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (skipped[d.Name()] || strings.Count(rel, "/") >= maxDepth) {
				return fs.SkipDir
			}
			return nil
		}
		switch name := d.Name(); {
		case name == "Dockerfile" && (f.Dockerfile == "" || depth(rel) < depth(f.Dockerfile)):
			f.Dockerfile = rel
		case name == "Chart.yaml" && f.Chart == "":
			f.Chart = path.Dir(rel)
		case (name == "kustomization.yaml" || name == "kustomization.yml" || name == "Kustomization") && f.Kustomization == "":
			f.Kustomization = path.Dir(rel)
		case (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) && !strings.HasPrefix(name, "devspace"):
			yamlDirs[path.Dir(rel)] = append(yamlDirs[path.Dir(rel)], rel)
		}
		return nil
	})
	if err != nil {
		return f, err
	}
	if f.Dockerfile != "" {
		if err := readDockerfile(filepath.Join(dir, filepath.FromSlash(f.Dockerfile)), &f); err != nil {
			return f, err
		}
	}
	return f, f.findManifests(dir, yamlDirs)
}

func depth(rel string) int { return strings.Count(rel, "/") }

// inside reports whether rel is in directory d (d "" is nowhere).
func inside(rel, d string) bool {
	return d != "" && (d == "." || rel == d || strings.HasPrefix(rel, d+"/"))
}

// findManifests keeps the YAML files that hold Kubernetes objects and
// are not part of the chart or the kustomization; a directory whose YAML
// files all do is listed as the directory.
func (f *Found) findManifests(dir string, yamlDirs map[string][]string) error {
	for _, d := range slices.Sorted(maps.Keys(yamlDirs)) {
		if inside(d, f.Chart) || inside(d, f.Kustomization) {
			continue
		}
		var objects []string
		for _, rel := range yamlDirs[d] {
			images, ok, err := readManifest(filepath.Join(dir, filepath.FromSlash(rel)))
			if err != nil {
				return err
			}
			if ok {
				objects = append(objects, rel)
				for _, img := range images {
					if !slices.Contains(f.ManifestImages, img) {
						f.ManifestImages = append(f.ManifestImages, img)
					}
				}
			}
		}
		if len(objects) == len(yamlDirs[d]) && d != "." {
			f.Manifests = append(f.Manifests, d+"/")
		} else {
			f.Manifests = append(f.Manifests, objects...)
		}
	}
	return nil
}

// readManifest reports whether the YAML file holds Kubernetes objects
// (documents with apiVersion and kind) and the images their containers
// run. A file that is not YAML is not a manifest.
func readManifest(file string) (images []string, ok bool, err error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, false, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return images, ok, nil
		} else if err != nil {
			return nil, false, nil
		}
		if doc["apiVersion"] == nil || doc["kind"] == nil {
			continue
		}
		ok = true
		images = append(images, containerImages(doc)...)
	}
}

// containerImages are the image fields of every containers and then
// initContainers list in the object, however deep (pod templates): the
// app's own image comes before its helpers'.
func containerImages(node any) []string {
	var out []string
	switch n := node.(type) {
	case map[string]any:
		for _, k := range []string{"containers", "initContainers"} {
			list, _ := n[k].([]any)
			for _, c := range list {
				if m, isMap := c.(map[string]any); isMap {
					if img, _ := m["image"].(string); img != "" {
						out = append(out, img)
					}
				}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(n)) {
			if k != "containers" && k != "initContainers" {
				out = append(out, containerImages(n[k])...)
			}
		}
	case []any:
		for _, v := range n {
			out = append(out, containerImages(v)...)
		}
	}
	return out
}

// readDockerfile notes the first EXPOSEd port and the last WORKDIR.
func readDockerfile(file string, f *Found) error {
	fh, err := os.Open(file)
	if err != nil {
		return err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "EXPOSE":
			if f.Port == 0 {
				port, _, _ := strings.Cut(fields[1], "/")
				f.Port, _ = strconv.Atoi(port)
			}
		case "WORKDIR":
			if !strings.Contains(fields[1], "$") {
				f.WorkDir = fields[1]
			}
		}
	}
	return sc.Err()
}
