package config

import (
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// This file edits the goccy AST for profiles. Values copied out of a profile
// are deep copies that keep their tokens, so a later error in one of them
// points at the line the profile wrote it on, and editing the copy (merging
// into it, ${VAR} substitution) never changes the profile itself.

// ref is a place in the tree that holds a node, with a way to replace it.
type ref struct {
	node ast.Node
	set  func(ast.Node)
}

// entryRef is the value slot of a mapping entry.
func entryRef(mv *ast.MappingValueNode) ref {
	return ref{node: mv.Value, set: func(n ast.Node) { mv.Value = n }} // not Replace: it shifts columns
}

// elemRef is the i-th slot of a sequence.
func elemRef(seq *ast.SequenceNode, i int) ref {
	return ref{node: seq.Values[i], set: func(n ast.Node) {
		seq.Values[i] = n
		if len(seq.Entries) == len(seq.Values) {
			seq.Entries[i].Value = n
		}
	}}
}

// clone deep-copies a node. Tokens are shared: nothing edits them in place.
func clone(n ast.Node) ast.Node {
	switch v := n.(type) {
	case *ast.MappingNode:
		c := *v
		c.BaseNode = copyBase(v.BaseNode)
		c.Values = make([]*ast.MappingValueNode, len(v.Values))
		for i, mv := range v.Values {
			c.Values[i] = cloneEntry(mv)
		}
		return &c
	case *ast.MappingValueNode:
		return cloneEntry(v)
	case *ast.SequenceNode:
		return cloneSequence(v)
	case *ast.StringNode:
		c := *v
		c.BaseNode = copyBase(v.BaseNode)
		return &c
	case *ast.LiteralNode:
		c := *v
		c.BaseNode = copyBase(v.BaseNode)
		c.Value = clone(v.Value).(*ast.StringNode)
		return &c
	case *ast.AnchorNode:
		c := *v
		c.BaseNode = copyBase(v.BaseNode)
		c.Value = clone(v.Value)
		return &c
	case *ast.TagNode:
		c := *v
		c.BaseNode = copyBase(v.BaseNode)
		c.Value = clone(v.Value)
		return &c
	}
	// Other scalars are never edited in place (substitution replaces them).
	return n
}

func cloneEntry(mv *ast.MappingValueNode) *ast.MappingValueNode {
	c := *mv
	c.BaseNode = copyBase(mv.BaseNode)
	c.Value = clone(mv.Value)
	return &c
}

func cloneSequence(v *ast.SequenceNode) *ast.SequenceNode {
	c := *v
	c.BaseNode = copyBase(v.BaseNode)
	c.Values = make([]ast.Node, len(v.Values))
	for i, item := range v.Values {
		c.Values[i] = clone(item)
	}
	c.Entries = nil
	if len(v.Entries) == len(v.Values) {
		c.Entries = make([]*ast.SequenceEntryNode, len(v.Entries))
		for i, e := range v.Entries {
			ce := *e
			ce.Value = c.Values[i]
			c.Entries[i] = &ce
		}
	}
	return &c
}

func copyBase(b *ast.BaseNode) *ast.BaseNode {
	if b == nil {
		return nil
	}
	c := *b
	return &c
}

// newEntry builds a mapping entry for a key that the file never wrote
// (a patch adding a key); it is positioned at pos, the patch's path.
func newEntry(key string, value ast.Node, pos *token.Position) *ast.MappingValueNode {
	kp, cp := *pos, *pos
	ktk := token.New(key, key, &kp)
	ktk.Type = token.StringType // a key such as "8080" stays a string
	return ast.MappingValue(token.New(":", ":", &cp), ast.String(ktk), value)
}

// newMapping builds an empty block mapping positioned at pos.
func newMapping(pos *token.Position) *ast.MappingNode {
	p := *pos
	return ast.Mapping(token.New("{", "{", &p), false)
}

// appendElem appends a node to a sequence, keeping Entries in step.
func appendElem(seq *ast.SequenceNode, n ast.Node) {
	if len(seq.Entries) == len(seq.Values) {
		seq.Entries = append(seq.Entries, ast.SequenceEntry(nil, n, nil))
	}
	seq.Values = append(seq.Values, n)
}

// insertElem inserts a node before index i of a sequence.
func insertElem(seq *ast.SequenceNode, i int, n ast.Node) {
	if len(seq.Entries) == len(seq.Values) {
		seq.Entries = append(seq.Entries[:i], append([]*ast.SequenceEntryNode{ast.SequenceEntry(nil, n, nil)}, seq.Entries[i:]...)...)
	}
	seq.Values = append(seq.Values[:i], append([]ast.Node{n}, seq.Values[i:]...)...)
}

// removeElem deletes index i of a sequence.
func removeElem(seq *ast.SequenceNode, i int) {
	if len(seq.Entries) == len(seq.Values) {
		seq.Entries = append(seq.Entries[:i], seq.Entries[i+1:]...)
	}
	seq.Values = append(seq.Values[:i], seq.Values[i+1:]...)
}

// removeKey deletes a key from a mapping and reports whether it was there.
func removeKey(m *ast.MappingNode, key string) bool {
	for i, mv := range m.Values {
		if keyOf(mv) == key {
			m.Values = append(m.Values[:i], m.Values[i+1:]...)
			return true
		}
	}
	return false
}

// setKey sets key in m to value, replacing an existing entry's value or
// appending the given entry.
func setKey(m *ast.MappingNode, entry *ast.MappingValueNode) {
	key := keyOf(entry)
	for _, mv := range m.Values {
		if keyOf(mv) == key {
			mv.Value = entry.Value
			return
		}
	}
	m.Values = append(m.Values, entry)
}

// mergeInto deep-merges the mapping src into the node held by dst: mappings
// merge key by key, anything else from src replaces what dst held, and a
// null in src deletes the key (as in JSON merge patch, RFC 7386).
func mergeInto(dst ref, src *ast.MappingNode) {
	m, ok := unwrap(dst.node).(*ast.MappingNode)
	if !ok {
		m = newMapping(posOf(src))
		dst.set(m)
	}
	for _, mv := range src.Values {
		if isNull(mv.Value) {
			removeKey(m, keyOf(mv))
			continue
		}
		sub, subIsMap := unwrap(mv.Value).(*ast.MappingNode)
		if existing := lookup(m, keyOf(mv)); existing != nil && subIsMap {
			mergeInto(entryRef(existing), sub)
			continue
		}
		setKey(m, cloneEntry(mv))
	}
}

// isNull reports whether n is an explicit or implicit YAML null.
func isNull(n ast.Node) bool {
	if n == nil {
		return true
	}
	_, ok := unwrap(n).(*ast.NullNode)
	return ok
}
