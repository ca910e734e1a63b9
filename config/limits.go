package config

import (
	"fmt"
	"io"
	"os"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Limits on config input. goccy/go-yaml has no options for any of them: its
// parser copies a path per nesting level (160 KB of `[[[…` took 9.7 GB) and
// its decoder expands every alias in full (a 1 KB "billion laughs" grows
// without end), so the loader checks the text before handing it over.
const (
	// MaxFileSize is far beyond any hand-written devspace.yaml; a file
	// this large is a mistake (a binary, a log) or an attack.
	MaxFileSize = 4 << 20
	// MaxDepth bounds how deeply mappings and lists nest.
	MaxDepth = 200
	// MaxAliasNodes bounds how many values aliases (*name) add when they
	// are expanded: plenty for sharing blocks, far from a billion.
	MaxAliasNodes = 100_000
)

// readFile reads a config file, refusing what is not a regular file (a
// device like /dev/zero never ends, a FIFO blocks) and files over
// MaxFileSize, without reading more than that.
func readFile(path string) ([]byte, error) {
	// Stat before Open: opening a FIFO blocks until someone writes to it.
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s): give the path of a YAML file",
			displayPath(path), fileKind(info.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", displayPath(path), err)
	}
	if len(src) > MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d MiB, the most a config may be: is it the right file?",
			displayPath(path), MaxFileSize>>20)
	}
	return src, nil
}

func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

// checkDepth refuses text that nests deeper than MaxDepth, before the
// parser sees it. It reads tokens only (linear time): flow collections
// count their brackets; block collections count the stack of increasing
// columns at which list entries and mapping keys start (a list directly
// under a key at the same column is not counted, so the true depth may be
// up to twice this, which the parser handles easily).
func (l *loader) checkDepth() error {
	flow := 0
	var block []int // columns of the enclosing block entries and keys
	tokens := lexer.Tokenize(string(l.src))
	for i, tk := range tokens {
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		case token.DocumentHeaderType:
			block = block[:0]
		case token.SequenceEntryType, token.MappingValueType:
			if flow > 0 {
				continue
			}
			at := tk
			if tk.Type == token.MappingValueType && i > 0 {
				at = tokens[i-1] // the key
			}
			col := at.Position.Column
			for len(block) > 0 && block[len(block)-1] >= col {
				block = block[:len(block)-1]
			}
			block = append(block, col)
		default:
			continue
		}
		if flow+len(block) > MaxDepth {
			e := l.errorf(tk.Position.Line, tk.Position.Column, "nested more than %d levels deep", MaxDepth)
			e.Hint = "no devspace.yaml needs this much nesting: is the file what you meant to load?"
			return e
		}
	}
	return nil
}

// checkAliases refuses a tree whose aliases would expand to more than
// MaxAliasNodes values, before anything decodes it. Each alias adds the
// expanded size of its anchor's value, so the sum over the aliases written
// in the file is exactly what decoding would add.
func (l *loader) checkAliases(root ast.Node) error {
	c := aliasCounter{anchors: map[string]int{}}
	c.size(root)
	if c.over == nil {
		return nil
	}
	p := c.over.GetToken().Position
	e := l.errorf(p.Line, p.Column, "aliases expand to more than %d values (a \"billion laughs\"?)", MaxAliasNodes)
	e.Hint = "write the repeated values out, or alias fewer nested anchors"
	return e
}

type aliasCounter struct {
	anchors  map[string]int // expanded size of each anchor's value so far
	expanded int            // values added by the aliases seen so far
	over     ast.Node       // the alias at which expanded passed the limit
}

// size returns how many values n stands for once aliases are expanded,
// capped just above the limit so that the sums cannot overflow.
func (c *aliasCounter) size(n ast.Node) int {
	if n == nil || c.over != nil {
		return 0
	}
	total := 1
	add := func(child ast.Node) { total = min(total+c.size(child), MaxAliasNodes+1) }
	switch v := n.(type) {
	case *ast.DocumentNode:
		add(v.Body)
	case *ast.MappingNode:
		for _, mv := range v.Values {
			add(mv)
		}
	case *ast.MappingValueNode:
		add(v.Key)
		add(v.Value)
	case *ast.MappingKeyNode:
		add(v.Value)
	case *ast.SequenceNode:
		for _, item := range v.Values {
			add(item)
		}
	case *ast.TagNode:
		add(v.Value)
	case *ast.AnchorNode:
		total = c.size(v.Value)
		c.anchors[v.Name.GetToken().Value] = total
	case *ast.AliasNode:
		total = c.anchors[v.Value.GetToken().Value]
		c.expanded = min(c.expanded+total, MaxAliasNodes+1)
		if c.expanded > MaxAliasNodes {
			c.over = v
		}
	}
	return total
}

// decodeFile reads and decodes a YAML file other than devspace.yaml (a
// --from-file) within the same limits.
func decodeFile(path string, out any) error {
	src, err := readFile(path)
	if err != nil {
		return err
	}
	l := &loader{path: path, src: src}
	if err := l.checkDepth(); err != nil {
		return err
	}
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return l.fromYAML(err)
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil
	}
	if err := l.checkAliases(f.Docs[0]); err != nil {
		return err
	}
	if err := l.checkTags(f.Docs[0]); err != nil {
		return err
	}
	if err := l.nodeToValue(f.Docs[0].Body, out); err != nil {
		return l.fromYAML(err)
	}
	return nil
}

// checkTags refuses a YAML tag with no value after it (`manifests: !!seq`):
// the decoder dereferences the missing value and would crash.
func (l *loader) checkTags(root ast.Node) error {
	var bare *ast.TagNode
	ast.Walk(tagVisitor{found: &bare}, root)
	if bare == nil {
		return nil
	}
	p := bare.GetToken().Position
	e := l.errorf(p.Line, p.Column, "the tag %s has no value after it", bare.Start.Value)
	e.Hint = "remove the tag, or write the value after it"
	return e
}

type tagVisitor struct{ found **ast.TagNode }

// bareTag: nothing follows the tag (the parser gives it a null value);
// `!!null` alone is a null written out.
func bareTag(t *ast.TagNode) bool {
	if t.Value == nil {
		return true
	}
	_, null := t.Value.(*ast.NullNode)
	return null && t.Start.Value != "!!null"
}

func (v tagVisitor) Visit(n ast.Node) ast.Visitor {
	if *v.found != nil {
		return nil
	}
	if t, ok := n.(*ast.TagNode); ok && bareTag(t) {
		*v.found = t
		return nil
	}
	return v
}

// nodeToValue decodes node into out. A panic inside the YAML library is
// turned into an error naming the file, so that no input can crash
// devspace, whatever the decoder trips over next.
func (l *loader) nodeToValue(node ast.Node, out any, opts ...yaml.DecodeOption) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML decoder failed on this file (%v): check its syntax near unusual constructs (tags, anchors), and report the file to us", r)
		}
	}()
	return yaml.NodeToValue(node, out, opts...)
}
