package config

import (
	"strconv"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// This file holds small helpers over goccy/go-yaml's AST. The loader edits
// the tree (shorthands, ${VAR} substitution, profile patches) rather than a
// decoded map so that every value keeps the position it was written at.

// entries returns the key/value pairs of a mapping node, or nil.
func entries(n ast.Node) []*ast.MappingValueNode {
	switch m := unwrap(n).(type) {
	case *ast.MappingNode:
		return m.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}
	}
	return nil
}

// unwrap looks through anchors and tags to the node that carries the value.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
}

// keyOf returns a mapping key as text.
func keyOf(mv *ast.MappingValueNode) string {
	if s, ok := unwrap(mv.Key).(*ast.StringNode); ok {
		return s.Value
	}
	return mv.Key.String()
}

// lookup finds the value node of key in a mapping node.
func lookup(n ast.Node, key string) *ast.MappingValueNode {
	for _, mv := range entries(n) {
		if keyOf(mv) == key {
			return mv
		}
	}
	return nil
}

// scalarText returns the text of a string-like scalar and whether n is one.
func scalarText(n ast.Node) (string, bool) {
	switch v := unwrap(n).(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	}
	return "", false
}

// parseValueNode parses a one-value YAML document (e.g. "{run: x}").
func parseValueNode(src string) (ast.Node, error) {
	f, err := parser.ParseBytes([]byte(src), 0)
	if err != nil {
		return nil, err
	}
	return f.Docs[0].Body, nil
}

// wrapAsMapping turns a scalar node into a one-key mapping {key: node},
// keeping the scalar (and its position) as the value.
func wrapAsMapping(key string, value ast.Node) (ast.Node, error) {
	m, err := parseValueNode(key + ": x")
	if err != nil {
		return nil, err
	}
	mv := entries(m)[0]
	mv.Value = value // not Replace: it shifts the value's columns
	moveTokens(m, value.GetToken().Position)
	return m, nil
}

// moveTokens sets the position of every token in a synthetic node so errors
// about it point at the place the user wrote the value.
func moveTokens(n ast.Node, pos *token.Position) {
	ast.Walk(visitorFunc(func(node ast.Node) {
		tk := node.GetToken()
		if tk != nil && tk.Position != nil && tk.Position.Offset < 64 && tk.Position.Line <= 1 {
			p := *pos
			tk.Position = &p
		}
	}), n)
}

type visitorFunc func(ast.Node)

func (f visitorFunc) Visit(n ast.Node) ast.Visitor {
	f(n)
	return f
}

// index records the position of every value in the tree by dotted path
// ("images.app.image", "pipelines.dev.flags[0].name").
func index(file string, n ast.Node) map[string]Pos {
	out := map[string]Pos{}
	var walk func(path string, n ast.Node)
	walk = func(path string, n ast.Node) {
		if n == nil {
			return
		}
		if p := posOf(n); path != "" && p.Line > 0 {
			if _, seen := out[path]; !seen {
				out[path] = Pos{File: file, Line: p.Line, Col: p.Column}
			}
		}
		switch v := unwrap(n).(type) {
		case *ast.MappingNode, *ast.MappingValueNode:
			for _, mv := range entries(v) {
				child := joinPath(path, keyOf(mv))
				if tk := mv.Key.GetToken(); tk != nil && tk.Position != nil {
					out[child+"#key"] = Pos{File: file, Line: tk.Position.Line, Col: tk.Position.Column}
				}
				walk(child, mv.Value)
			}
		case *ast.SequenceNode:
			for i, item := range v.Values {
				walk(path+"["+strconv.Itoa(i)+"]", item)
			}
		}
	}
	walk("", n)
	return out
}

// posOf returns where a node was written. A block mapping's own token is
// the first key's ':', so for a mapping we take its first key instead.
func posOf(n ast.Node) *token.Position {
	if n == nil {
		return &token.Position{Line: 1, Column: 1}
	}
	if m, ok := unwrap(n).(*ast.MappingNode); ok && !m.IsFlowStyle && len(m.Values) > 0 {
		n = m.Values[0].Key
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position
	}
	return &token.Position{}
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// Pos returns where the value at a dotted path was written.
func (c *Config) Pos(path string) (Pos, bool) {
	p, ok := c.positions[path]
	if !ok {
		return Pos{File: displayPath(c.Path)}, false
	}
	f := c.fileOf(p.Line)
	p.File, p.Line = displayPath(f.path), p.Line%lineStride
	return p, true
}

// fileOf returns the file a line of the merged tree belongs to.
func (c *Config) fileOf(line int) *sourceFile {
	if f := c.files.fileAt(line); f != nil {
		return f
	}
	return &sourceFile{path: c.Path, src: c.Source}
}

// Origin says which file the value at a dotted path was written in and the
// import entries that brought that file in (none for the config itself).
func (c *Config) Origin(path string) (file string, chain []string) {
	p, ok := c.positions[path]
	if !ok {
		return displayPath(c.Path), nil
	}
	f := c.fileOf(p.Line)
	return displayPath(f.path), f.chain
}
