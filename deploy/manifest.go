// Package deploy turns `deployments:` into objects in a cluster: it reads
// manifests (files, globs, directories, inline), puts in the images that
// build_images produced, applies the objects with server-side apply,
// records what it applied, and purges exactly that later.
package deploy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// Manifest is one object read from a manifest file, with where it came
// from so that errors can point at it.
type Manifest struct {
	Object *unstructured.Unstructured
	// File is the path as the user wrote it (relative to devspace.yaml),
	// Line the 1-based line where the object's document starts.
	File string
	Line int
}

// Where is "FILE:LINE", for errors.
func (m Manifest) Where() string { return m.File + ":" + strconv.Itoa(m.Line) }

// ManifestError points at a manifest file that cannot be used.
type ManifestError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *ManifestError) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// manifestFiles expands the `manifests:` entries: a file, a glob, or a
// directory (its *.yaml, *.yml and *.json files, not recursive, as
// `kubectl apply -f DIR`). Paths are relative to dir; the result keeps the
// user's spelling, in order, without duplicates.
func manifestFiles(dir string, entries []string) ([]string, error) {
	var out []string
	add := func(p string) {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, entry := range entries {
		abs := entry
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(dir, entry)
		}
		if strings.ContainsAny(entry, "*?[{") {
			matches, err := doublestar.FilepathGlob(abs)
			if err != nil {
				return nil, fmt.Errorf("manifests: %q: %w", entry, err)
			}
			if len(matches) == 0 {
				return nil, fmt.Errorf("manifests: %q matches no file (relative to %s)", entry, dir)
			}
			for _, m := range matches {
				if isManifestFile(m) {
					add(relTo(dir, m))
				}
			}
			continue
		}
		info, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("manifests: %q: %w", entry, err)
		}
		if !info.IsDir() {
			add(entry)
			continue
		}
		files, err := os.ReadDir(abs)
		if err != nil {
			return nil, fmt.Errorf("manifests: %q: %w", entry, err)
		}
		for _, f := range files {
			if !f.IsDir() && isManifestFile(f.Name()) {
				add(filepath.Join(entry, f.Name()))
			}
		}
	}
	return out, nil
}

func isManifestFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

func relTo(dir, p string) string {
	if r, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}

// ParseManifests reads the objects of a multi-document YAML (or JSON)
// text. name is used in errors. Empty documents are skipped and a `kind:
// List` is expanded into its items.
func ParseManifests(name string, data []byte) ([]Manifest, error) {
	var out []Manifest
	for _, doc := range splitDocuments(data) {
		if isBlank(doc.text) {
			continue
		}
		js, err := yaml.YAMLToJSON(doc.text)
		if err != nil {
			return nil, yamlError(name, doc.line, err)
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			continue
		}
		var obj unstructured.Unstructured
		if err := obj.UnmarshalJSON(js); err != nil {
			return nil, &ManifestError{File: name, Line: doc.line, Msg: "not a Kubernetes object: " + trimPrefix(err.Error())}
		}
		if obj.GetName() == "" && !obj.IsList() {
			return nil, &ManifestError{File: name, Line: doc.line, Msg: fmt.Sprintf("%s has no metadata.name", obj.GetKind())}
		}
		if !obj.IsList() {
			out = append(out, Manifest{Object: &obj, File: name, Line: doc.line})
			continue
		}
		err = obj.EachListItem(func(o runtime.Object) error {
			item := o.(*unstructured.Unstructured)
			out = append(out, Manifest{Object: item, File: name, Line: doc.line})
			return nil
		})
		if err != nil {
			return nil, &ManifestError{File: name, Line: doc.line, Msg: err.Error()}
		}
	}
	return out, nil
}

func trimPrefix(msg string) string {
	return strings.TrimPrefix(msg, "Object 'Kind' is missing in ")
}

type document struct {
	text []byte
	line int // 1-based line of the document's first line
}

// splitDocuments cuts a YAML stream at its `---` lines, keeping each
// document's starting line.
func splitDocuments(data []byte) []document {
	var docs []document
	start, startLine, line := 0, 1, 1
	for i := 0; i <= len(data); {
		end := bytes.IndexByte(data[i:], '\n')
		next := len(data) + 1
		if end >= 0 {
			next = i + end + 1
		}
		text := data[i:min(next, len(data))]
		if isSeparator(text) {
			docs = append(docs, document{text: data[start:i], line: startLine})
			start, startLine = min(next, len(data)), line+1
		}
		i = next
		line++
	}
	return append(docs, document{text: data[start:], line: startLine})
}

func isSeparator(line []byte) bool {
	line = bytes.TrimRight(line, " \t\r\n")
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	rest := line[3:]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '#'
}

func isBlank(doc []byte) bool {
	for _, l := range bytes.Split(doc, []byte("\n")) {
		l = bytes.TrimSpace(l)
		if len(l) > 0 && l[0] != '#' {
			return false
		}
	}
	return true
}

var yamlLine = regexp.MustCompile(`line (\d+): `)

// yamlError re-bases the line in a YAML parser error onto the file.
func yamlError(name string, docLine int, err error) error {
	msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := docLine
	if m := yamlLine.FindStringSubmatchIndex(msg); m != nil {
		n, _ := strconv.Atoi(msg[m[2]:m[3]])
		line = docLine + n - 1
		msg = msg[:m[0]] + msg[m[1]:]
	}
	return &ManifestError{File: name, Line: line, Msg: "invalid YAML: " + msg}
}
