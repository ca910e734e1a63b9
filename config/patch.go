package config

import (
	"fmt"
	"regexp"
	"slices"
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
	pointer  bool     // a JSON-pointer path (/a/b), which must exist
	value    ast.Node // nil when `value:` is absent
}

// parsePatchPath splits a patch path. It accepts the JSON-pointer form
// (/images/app/image, /images/app/tags/-) and the dotted form DevSpace
// documents (images.app.image, deployments.web.helm.values.containers[0].image),
// with JSONPath's $ and leading dot, and .. for "at any depth".
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
	return parseDottedPath(strings.TrimPrefix(path, "$"))
}

// parseDottedPath splits images.app.tags[0] into images, app, tags, 0.
// A list element may also be chosen by its fields, in DevSpace's three
// spellings: deployments.name=web, deployments[name=web] and JSONPath
// filters, deployments[?(@.name=='web')] (see bracketSeg).
func parseDottedPath(path string) ([]string, error) {
	var segs []string
	parts := splitDotted(path)
	for i, part := range parts {
		if part == "" {
			switch {
			case i == 0: // a leading dot: .images.app
			case i == len(parts)-1:
				return nil, fmt.Errorf("%q ends with a dot", path)
			case len(segs) == 0 || segs[len(segs)-1] != descendSeg:
				segs = append(segs, descendSeg) // a..b: b at any depth below a
			}
			continue
		}
		key, rest, _ := strings.Cut(part, "[")
		switch {
		case key != "" && strings.Contains(key, "="):
			field, value, _ := strings.Cut(key, "=")
			if field == "" || value == "" {
				return nil, fmt.Errorf("selector %q in %q needs FIELD=VALUE", key, path)
			}
			segs = append(segs, selectorSeg(cond{op: '=', field: field, value: value}))
		case key != "":
			segs = append(segs, key)
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

// filterCond is one comparison of a JSONPath filter: @.FIELD == 'VALUE'
// (quoted or bare) or @.FIELD =~ /REGEXP/.
var filterCond = lazyRegexp(`^\s*@\.([A-Za-z0-9_.-]+)\s*(==|=~)\s*(?:'([^']*)'|"([^"]*)"|/((?:[^/\\]|\\.)*)/|([^'"\s|&)]+))\s*$`)

// bracketSeg reads what is between [ and ]: an index, *, FIELD=VALUE or a
// JSONPath filter ?(…) whose comparisons are joined by ||.
func bracketSeg(s string) (string, error) {
	switch {
	case s == "*" || isIndex(s):
		return s, nil
	case strings.HasPrefix(s, "?(") && strings.HasSuffix(s, ")"):
		var conds []cond
		for _, alt := range strings.Split(s[2:len(s)-1], "||") {
			m := filterCond().FindStringSubmatch(alt)
			if m == nil {
				return "", fmt.Errorf("a filter compares fields with values, as ?(@.name=='web'), ?(@.port==80 || @.port=='80') or ?(@.name=~/^prod/)")
			}
			c := cond{op: m[2][1], field: m[1], value: m[3] + m[4] + m[5] + m[6]}
			if c.op == '~' {
				if _, err := regexp.Compile(c.value); err != nil {
					return "", fmt.Errorf("invalid regular expression: %v", err)
				}
			}
			conds = append(conds, c)
		}
		return selectorSeg(conds...), nil
	case strings.Contains(s, "="):
		field, value, _ := strings.Cut(s, "=")
		if field != "" && value != "" {
			return selectorSeg(cond{op: '=', field: field, value: value}), nil
		}
	}
	return "", fmt.Errorf("use a number, *, FIELD=VALUE or ?(@.FIELD=='VALUE')")
}

// A selector segment picks the list elements (or mapping values) that
// meet one of its conditions; descendSeg stands for every node at any
// depth. Both are kept as path segments with a prefix that no YAML key a
// user writes starts with.
const (
	selectorPrefix = "\x00?"
	descendSeg     = "\x00.."
)

// cond compares a (possibly nested: helm.timeout) field with a value:
// op '=' for equality, '~' for a regular expression.
type cond struct {
	op           byte
	field, value string
}

func selectorSeg(conds ...cond) string {
	alts := make([]string, len(conds))
	for i, c := range conds {
		alts[i] = string(c.op) + c.field + "\x01" + c.value
	}
	return selectorPrefix + strings.Join(alts, "\x02")
}

// parseSelector returns a selector segment's conditions.
func parseSelector(seg string) ([]cond, bool) {
	rest, ok := strings.CutPrefix(seg, selectorPrefix)
	if !ok {
		return nil, false
	}
	var conds []cond
	for _, alt := range strings.Split(rest, "\x02") {
		field, value, _ := strings.Cut(alt[1:], "\x01")
		conds = append(conds, cond{op: alt[0], field: field, value: value})
	}
	return conds, true
}

// selects reports whether n meets one of conds.
func selects(n ast.Node, conds []cond) bool {
	for _, c := range conds {
		if c.meets(n) {
			return true
		}
	}
	return false
}

func (c cond) meets(n ast.Node) bool {
	for _, key := range strings.Split(c.field, ".") {
		mv := lookup(n, key)
		if mv == nil {
			return false
		}
		n = mv.Value
	}
	text, ok := scalarText(n)
	if !ok {
		if entries(n) != nil || isNull(n) {
			return false
		}
		if _, isList := unwrap(n).(*ast.SequenceNode); isList {
			return false
		}
		text = strings.TrimSpace(n.String()) // numbers, booleans
	}
	if c.op == '~' {
		re, err := regexp.Compile(c.value) // checked when the path was read
		return err == nil && re.MatchString(text)
	}
	return text == c.value
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && !strings.HasPrefix(s, "-")
}

// applyPatch runs the patch against the tree held by root. As in
// DevSpace, a dotted path that matches nothing is added by replace and
// ignored by remove (a JSON-pointer path must exist).
func (l *loader) applyPatch(root ref, p patch) error {
	if p.op != "remove" && p.value == nil {
		return l.patchErr(p, "op %s needs a `value:`", p.op)
	}
	if len(p.path) == 0 {
		return l.patchRoot(root, p)
	}
	hits, err := l.patchAll(root, p)
	if err != nil || hits > 0 {
		return err
	}
	switch {
	case p.pointer:
	case p.op == "replace":
		add := p
		add.op = "add"
		if hits, err = l.patchAll(root, add); err != nil || hits > 0 {
			return err
		}
	case p.op == "remove":
		return nil
	}
	return l.patchErr(p, "nothing at path %q to %s", p.pathText, p.op)
}

// patchAll applies p at every place its path reaches and counts them.
func (l *loader) patchAll(root ref, p patch) (int, error) {
	parents, err := l.walk(root, p, p.path[:len(p.path)-1], p.op == "add")
	if err != nil {
		return 0, err
	}
	last, hits := p.path[len(p.path)-1], 0
	for _, parent := range parents {
		n, err := l.patchOne(parent, last, p)
		if err != nil {
			return 0, err
		}
		hits += n
	}
	return hits, nil
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
// so `add` can set a value below a key that does not exist yet; below a *,
// a selector or .. nothing is created (as in DevSpace: an add under
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
	_, sel := parseSelector(seg)
	return seg == "*" || seg == descendSeg || sel
}

// children returns the slots under r that seg selects.
func (l *loader) children(r ref, seg string, p patch, create bool) ([]ref, error) {
	if seg == descendSeg {
		return descendants(r), nil
	}
	if create && isNull(r.node) {
		m := newMapping(p.pathPos)
		r.set(m)
		r.node = m
	}
	conds, isSel := parseSelector(seg)
	switch v := unwrap(r.node).(type) {
	case *ast.MappingNode:
		var out []ref
		for _, mv := range v.Values {
			if seg == "*" || keyOf(mv) == seg || isSel && selects(mv.Value, conds) {
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
				if seg == "*" || selects(v.Values[i], conds) {
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

// descendants is r and every slot below it, parents before children.
func descendants(r ref) []ref {
	out := []ref{r}
	switch v := unwrap(r.node).(type) {
	case *ast.MappingNode:
		for _, mv := range v.Values {
			out = append(out, descendants(entryRef(mv))...)
		}
	case *ast.SequenceNode:
		for i := range v.Values {
			out = append(out, descendants(elemRef(v, i))...)
		}
	}
	return out
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
	if len(kids) == 0 {
		if isMulti(key) {
			return 0, nil
		}
		return l.addAt(parent, key, p)
	}
	for _, k := range kids {
		if err := l.addOnto(parent, k, key, p); err != nil {
			return 0, err
		}
	}
	return len(kids), nil
}

// addOnto adds the patch's value at a place that exists, as DevSpace does:
// at a list index it is inserted, onto a mapping its keys go beside the
// ones there, onto a list it is appended, in place of a null it is set,
// and before a list element chosen by * or a selector it is inserted. An
// existing scalar value in a mapping is not overwritten: that is replace.
func (l *loader) addOnto(parent, at ref, key string, p patch) error {
	seq, inList := unwrap(parent.node).(*ast.SequenceNode)
	if inList && isIndex(key) {
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
	if inList {
		if i := slices.Index(seq.Values, at.node); i >= 0 {
			insertElem(seq, i, clone(p.value))
			return nil
		}
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
