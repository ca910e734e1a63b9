package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// patch is one entry of a profile's `patches:`, with the nodes it came from.
type patch struct {
	op       string
	path     []string // segments; "*" matches every key or element
	pathText string   // as written, for messages
	pathPos  *token.Position
	value    ast.Node // nil when `value:` is absent
}

// parsePatchPath splits a patch path. It accepts the JSON-pointer form
// (/images/app/image, /images/app/tags/-) and the dotted form DevSpace
// documents (images.app.image, deployments.web.helm.values.containers[0].image).
func parsePatchPath(path string) ([]string, error) {
	path = strings.TrimPrefix(path, "$.")
	if path == "" || path == "/" {
		return nil, fmt.Errorf("the path is empty")
	}
	if strings.HasPrefix(path, "/") {
		segs := strings.Split(path[1:], "/")
		for i, s := range segs {
			segs[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
		}
		return segs, nil
	}
	return parseDottedPath(path)
}

// parseDottedPath splits images.app.tags[0] into images, app, tags, 0.
func parseDottedPath(path string) ([]string, error) {
	var segs []string
	for _, part := range strings.Split(path, ".") {
		key, rest, _ := strings.Cut(part, "[")
		switch {
		case key != "":
			segs = append(segs, key)
		case rest == "":
			return nil, fmt.Errorf("empty segment in %q", path)
		}
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			if !ok || (idx != "*" && !isIndex(idx)) {
				return nil, fmt.Errorf("unsupported selector [%s in %q: use a number or *", rest, path)
			}
			segs = append(segs, idx)
			if after == "" {
				break
			}
			if !strings.HasPrefix(after, "[") {
				return nil, fmt.Errorf("unexpected %q after ] in %q", after, path)
			}
			rest = after[1:]
		}
	}
	return segs, nil
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && !strings.HasPrefix(s, "-")
}

// applyPatch runs the patch against the tree held by root.
func (l *loader) applyPatch(root ref, p patch) error {
	if p.op != "remove" && p.value == nil {
		return l.patchErr(p, "op %s needs a `value:`", p.op)
	}
	parents, err := l.walk(root, p, p.path[:len(p.path)-1], p.op == "add")
	if err != nil {
		return err
	}
	last, hits := p.path[len(p.path)-1], 0
	for _, parent := range parents {
		n, err := l.patchOne(parent, last, p)
		if err != nil {
			return err
		}
		hits += n
	}
	if hits == 0 {
		return l.patchErr(p, "nothing at path %q to %s", p.pathText, p.op)
	}
	return nil
}

// walk follows segs from the nodes in start and returns every node they
// reach. With create, missing mapping keys and nulls become empty mappings,
// so `add` can set a value below a key that does not exist yet.
func (l *loader) walk(start ref, p patch, segs []string, create bool) ([]ref, error) {
	cur := []ref{start}
	for _, seg := range segs {
		var next []ref
		for _, r := range cur {
			kids, err := l.children(r, seg, p, create && seg != "*")
			if err != nil {
				return nil, err
			}
			next = append(next, kids...)
		}
		cur = next
	}
	return cur, nil
}

// children returns the slots under r that seg selects.
func (l *loader) children(r ref, seg string, p patch, create bool) ([]ref, error) {
	if create && isNull(r.node) {
		m := newMapping(p.pathPos)
		r.set(m)
		r.node = m
	}
	switch v := unwrap(r.node).(type) {
	case *ast.MappingNode:
		var out []ref
		for _, mv := range v.Values {
			if seg == "*" || keyOf(mv) == seg {
				out = append(out, entryRef(mv))
			}
		}
		if len(out) == 0 && create {
			mv := newEntry(seg, newMapping(p.pathPos), p.pathPos)
			v.Values = append(v.Values, mv)
			out = append(out, entryRef(mv))
		}
		return out, nil
	case *ast.SequenceNode:
		if seg == "*" {
			out := make([]ref, len(v.Values))
			for i := range v.Values {
				out[i] = elemRef(v, i)
			}
			return out, nil
		}
		i, err := strconv.Atoi(seg)
		if err != nil || i < 0 {
			return nil, l.patchErr(p, "path %q: %q is a list; use a number or * to select elements", p.pathText, seg)
		}
		if i >= len(v.Values) {
			return nil, nil
		}
		return []ref{elemRef(v, i)}, nil
	}
	return nil, nil
}

// patchOne applies the patch's op to key in one parent and returns how many
// places it changed.
func (l *loader) patchOne(parent ref, key string, p patch) (int, error) {
	kids, err := l.children(parent, key, p, false)
	if err != nil && !(p.op == "add" && key == "-") {
		return 0, err
	}
	switch p.op {
	case "replace":
		for _, k := range kids {
			k.set(clone(p.value))
		}
		return len(kids), nil
	case "remove":
		return l.removeAt(parent, key, len(kids))
	}
	// add: onto a list named by its key it appends; anywhere else it sets.
	if _, inMapping := unwrap(parent.node).(*ast.MappingNode); inMapping && len(kids) == 1 {
		if seq, ok := unwrap(kids[0].node).(*ast.SequenceNode); ok {
			appendValues(seq, p.value)
			return 1, nil
		}
	}
	return l.addAt(parent, key, p)
}

// appendValues appends value to seq; a list value appends each element.
func appendValues(seq *ast.SequenceNode, value ast.Node) {
	if items, ok := unwrap(value).(*ast.SequenceNode); ok {
		for _, item := range items.Values {
			appendElem(seq, clone(item))
		}
		return
	}
	appendElem(seq, clone(value))
}

func (l *loader) addAt(parent ref, key string, p patch) (int, error) {
	if key == "*" {
		return 0, l.patchErr(p, "path %q: add needs a key or index at the end, not *", p.pathText)
	}
	if isNull(parent.node) {
		m := newMapping(p.pathPos)
		parent.set(m)
		parent.node = m
	}
	switch v := unwrap(parent.node).(type) {
	case *ast.MappingNode:
		setKey(v, newEntry(key, clone(p.value), p.pathPos))
		return 1, nil
	case *ast.SequenceNode:
		if key == "-" {
			appendElem(v, clone(p.value))
			return 1, nil
		}
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i > len(v.Values) {
			return 0, l.patchErr(p, "path %q: index %s is outside the list (length %d)", p.pathText, key, len(v.Values))
		}
		insertElem(v, i, clone(p.value))
		return 1, nil
	}
	return 0, l.patchErr(p, "path %q: cannot add below a %s", p.pathText, kindOfNode(parent.node))
}

func (l *loader) removeAt(parent ref, key string, found int) (int, error) {
	switch v := unwrap(parent.node).(type) {
	case *ast.MappingNode:
		if key == "*" {
			v.Values = nil
			return found, nil
		}
		if removeKey(v, key) {
			return 1, nil
		}
	case *ast.SequenceNode:
		if key == "*" {
			v.Values, v.Entries = nil, nil
			return found, nil
		}
		if found > 0 {
			i, _ := strconv.Atoi(key)
			removeElem(v, i)
			return 1, nil
		}
	}
	return 0, nil
}

func kindOfNode(n ast.Node) string {
	switch unwrap(n).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "mapping"
	case *ast.SequenceNode:
		return "list"
	}
	return "scalar value"
}

func (l *loader) patchErr(p patch, format string, args ...any) *Error {
	return l.errorf(p.pathPos.Line, p.pathPos.Column, format, args...)
}
