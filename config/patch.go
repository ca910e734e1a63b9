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
	switch path {
	case "":
		return nil, fmt.Errorf("the path is empty")
	case "$", "/", ".":
		return []string{}, nil // the whole config
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
// A list element may also be chosen by one of its fields, in DevSpace's
// three spellings: deployments.name=web, deployments[name=web] and
// deployments[?(@.name=='web')] (see selectorSeg).
func parseDottedPath(path string) ([]string, error) {
	var segs []string
	for _, part := range splitDotted(path) {
		key, rest, _ := strings.Cut(part, "[")
		switch {
		case key != "" && strings.Contains(key, "="):
			field, value, _ := strings.Cut(key, "=")
			if field == "" || value == "" {
				return nil, fmt.Errorf("selector %q in %q needs FIELD=VALUE", key, path)
			}
			segs = append(segs, selectorSeg(field, value))
		case key != "":
			segs = append(segs, key)
		case rest == "":
			return nil, fmt.Errorf("empty segment in %q", path)
		}
		for rest != "" {
			idx, after, ok := cutBracket(rest)
			if !ok {
				return nil, fmt.Errorf("unsupported selector [%s in %q: use a number, *, FIELD=VALUE or ?(@.FIELD=='VALUE')", rest, path)
			}
			seg, err := bracketSeg(idx)
			if err != nil {
				return nil, fmt.Errorf("unsupported selector [%s] in %q: %v", idx, path, err)
			}
			segs = append(segs, seg)
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

// splitDotted splits a dotted path at the dots outside brackets (a filter
// may compare with a value that has dots: [?(@.image=='a.b/c')]).
func splitDotted(path string) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range path {
		switch r {
		case '[':
			depth++
		case ']':
			depth--
		case '.':
			if depth == 0 {
				parts = append(parts, path[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, path[start:])
}

// cutBracket splits "x]rest" at the ']' that closes the bracket.
func cutBracket(s string) (inside, after string, ok bool) {
	depth := 1
	for i, r := range s {
		switch r {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return s[:i], s[i+1:], true
			}
		}
	}
	return "", "", false
}

var filterExpr = lazyRegexp(`^\?\(@\.([A-Za-z0-9_-]+)\s*==\s*(?:'([^']*)'|"([^"]*)"|([^'"\s|&)]+))\s*\)$`)

// bracketSeg reads what is between [ and ]: an index, *, FIELD=VALUE or
// a JSONPath filter comparing one field with one value.
func bracketSeg(s string) (string, error) {
	switch {
	case s == "*" || isIndex(s):
		return s, nil
	case strings.HasPrefix(s, "?"):
		m := filterExpr().FindStringSubmatch(s)
		if m == nil {
			return "", fmt.Errorf("a filter must compare one field with one value, as ?(@.name=='web')")
		}
		return selectorSeg(m[1], m[2]+m[3]+m[4]), nil
	case strings.Contains(s, "="):
		field, value, _ := strings.Cut(s, "=")
		if field != "" && value != "" {
			return selectorSeg(field, value), nil
		}
	}
	return "", fmt.Errorf("use a number, *, FIELD=VALUE or ?(@.FIELD=='VALUE')")
}

// A selector segment picks the list elements (or mapping values) whose
// FIELD is VALUE. It is kept as a path segment with a prefix no YAML key
// a user writes starts with.
const selectorPrefix = "\x00="

func selectorSeg(field, value string) string { return selectorPrefix + field + "=" + value }

// parseSelector returns a selector segment's field and value.
func parseSelector(seg string) (field, value string, ok bool) {
	rest, ok := strings.CutPrefix(seg, selectorPrefix)
	if !ok {
		return "", "", false
	}
	field, value, _ = strings.Cut(rest, "=")
	return field, value, true
}

// selects reports whether a list element or mapping value has field = value.
func selects(n ast.Node, field, value string) bool {
	mv := lookup(n, field)
	if mv == nil {
		return false
	}
	if s, ok := scalarText(mv.Value); ok {
		return s == value
	}
	return strings.TrimSpace(mv.Value.String()) == value // numbers, booleans
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
	if len(p.path) == 0 {
		return l.patchRoot(root, p)
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

// patchRoot applies a patch whose path is the whole config ($): add puts
// the value's sections beside the others; nothing else is allowed.
func (l *loader) patchRoot(root ref, p patch) error {
	m, ok := unwrap(root.node).(*ast.MappingNode)
	if mv, single := unwrap(root.node).(*ast.MappingValueNode); single {
		m, ok = newMapping(posOf(mv)), true
		m.Values = append(m.Values, mv)
		root.set(m)
	}
	if p.op != "add" || !ok {
		return l.patchErr(p, "path %q is the whole config: only op: add (of sections) applies to it", p.pathText)
	}
	for _, mv := range entries(p.value) {
		if fixedSections[keyOf(mv)] {
			return l.patchErr(p, "a profile cannot change `%s`", keyOf(mv))
		}
	}
	return l.addKeys(m, p)
}

// walk follows segs from the nodes in start and returns every node they
// reach. With create, missing mapping keys and nulls become empty mappings,
// so `add` can set a value below a key that does not exist yet; below a *
// or a selector nothing is created (as in DevSpace: an add under
// deployments[*].kubectl reaches only the deployments that have kubectl).
func (l *loader) walk(start ref, p patch, segs []string, create bool) ([]ref, error) {
	cur := []ref{start}
	for _, seg := range segs {
		if isMulti(seg) {
			create = false
		}
		var next []ref
		for _, r := range cur {
			kids, err := l.children(r, seg, p, create)
			if err != nil {
				return nil, err
			}
			next = append(next, kids...)
		}
		cur = next
	}
	return cur, nil
}

// isMulti reports whether a segment may select more than one place.
func isMulti(seg string) bool {
	_, _, sel := parseSelector(seg)
	return seg == "*" || sel
}

// children returns the slots under r that seg selects.
func (l *loader) children(r ref, seg string, p patch, create bool) ([]ref, error) {
	if create && isNull(r.node) {
		m := newMapping(p.pathPos)
		r.set(m)
		r.node = m
	}
	field, value, isSel := parseSelector(seg)
	switch v := unwrap(r.node).(type) {
	case *ast.MappingNode:
		var out []ref
		for _, mv := range v.Values {
			if seg == "*" || keyOf(mv) == seg || isSel && selects(mv.Value, field, value) {
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
		if seg == "*" || isSel {
			var out []ref
			for i := range v.Values {
				if seg == "*" || selects(v.Values[i], field, value) {
					out = append(out, elemRef(v, i))
				}
			}
			return out, nil
		}
		i, err := strconv.Atoi(seg)
		if err != nil || i < 0 {
			if seg == "-" {
				return nil, nil
			}
			return nil, l.patchErr(p, "path %q: %q is a list; use a number, * or FIELD=VALUE to select elements", p.pathText, seg)
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
	if err != nil {
		return 0, err
	}
	switch p.op {
	case "replace":
		for _, k := range kids {
			k.set(clone(p.value))
		}
		return len(kids), nil
	case "remove":
		return l.removeAt(parent, key, kids)
	}
	if len(kids) == 0 || isMulti(key) {
		return l.addAt(parent, key, p)
	}
	n := 0
	for _, k := range kids {
		if err := l.addOnto(parent, k, key, p); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// addOnto adds the patch's value at a place that exists, as DevSpace does:
// onto a mapping its keys go beside the ones there, onto a list it is
// appended, before a list element it is inserted, and in place of a null it
// is set. An existing scalar value is not overwritten: that is replace.
func (l *loader) addOnto(parent, at ref, key string, p patch) error {
	if seq, inList := unwrap(parent.node).(*ast.SequenceNode); inList {
		i, _ := strconv.Atoi(key)
		insertElem(seq, i, clone(p.value))
		return nil
	}
	switch target := unwrap(at.node).(type) {
	case *ast.MappingNode:
		return l.addKeys(target, p)
	case *ast.SequenceNode:
		appendValues(target, p.value)
		return nil
	}
	if isNull(at.node) {
		at.set(clone(p.value))
		return nil
	}
	return l.patchErr(p, "path %q already has a value: add does not overwrite it; use op: replace", p.pathText)
}

// addKeys adds the keys of a mapping value to target; a key target has
// already is refused, as add does not overwrite.
func (l *loader) addKeys(target *ast.MappingNode, p patch) error {
	add := entries(p.value)
	if add == nil && !isNull(p.value) {
		return l.patchErr(p, "path %q is a mapping: add needs a mapping of keys to add (or a path that names the new key)", p.pathText)
	}
	for _, mv := range add {
		if lookup(target, keyOf(mv)) != nil {
			return l.patchErr(p, "path %q already has key %q: add does not overwrite it; use op: replace on %s.%s", p.pathText, keyOf(mv), p.pathText, keyOf(mv))
		}
	}
	for _, mv := range add {
		target.Values = append(target.Values, cloneEntry(mv))
	}
	return nil
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
	if isMulti(key) {
		return 0, l.patchErr(p, "path %q: add needs a key or index at the end, not * or a selector", p.pathText)
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

// removeAt deletes the places kids (found under key) from parent.
func (l *loader) removeAt(parent ref, key string, kids []ref) (int, error) {
	switch v := unwrap(parent.node).(type) {
	case *ast.MappingNode:
		n := 0
		for _, k := range kids {
			for i, mv := range v.Values {
				if mv.Value == k.node {
					v.Values = append(v.Values[:i], v.Values[i+1:]...)
					n++
					break
				}
			}
		}
		return n, nil
	case *ast.SequenceNode:
		n := 0
		for _, k := range kids {
			for i, item := range v.Values {
				if item == k.node {
					removeElem(v, i)
					n++
					break
				}
			}
		}
		return n, nil
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
