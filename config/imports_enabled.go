package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// resolveImportsEnabled turns each import's `enabled:` written as text
// (`${VAR}`, or a whole-value `$(…)` expression) into true or false before
// the imports are decoded, as DevSpace fills variables and expressions into
// `imports:` before fetching any: an import can then be switched by the
// environment or --var. Its variables are those known before the import is
// merged (see importSpec).
func (l *loader) resolveImportsEnabled() error {
	mv := lookup(l.root, "imports")
	if mv == nil {
		return nil
	}
	seq, ok := unwrap(mv.Value).(*ast.SequenceNode)
	if !ok {
		return nil // decoding reports the shape
	}
	for i, item := range seq.Values {
		en := lookup(item, "enabled")
		if en == nil {
			continue
		}
		s, ok := unwrap(en.Value).(*ast.StringNode)
		if !ok {
			continue // a boolean, or a shape decoding reports
		}
		b, err := l.enabledValue(fmt.Sprintf("imports[%d].enabled", i), s)
		if err != nil {
			return err
		}
		en.Value = b
	}
	return nil
}

// enabledValue is the boolean an `enabled:` written as text stands for.
func (l *loader) enabledValue(path string, s *ast.StringNode) (ast.Node, error) {
	pos := s.GetToken().Position
	x := &importVars{l: l}
	text := x.expand(s.Value)
	if x.err != nil {
		if e := (*Error)(nil); errors.As(x.err, &e) {
			return nil, e
		}
		return nil, l.errorf(pos.Line, pos.Column, "%s: %v", path, x.err)
	}
	r, err := l.evaluate(path, text, x.resolved(), pos.Line, pos.Column)
	if err != nil {
		return nil, err
	}
	if r.kind != notExpression {
		text = r.text
	}
	text = strings.TrimSpace(text)
	if b := typedScalar(text, s); b != nil && (text == "true" || text == "false") {
		return b, nil
	}
	return nil, l.errorf(pos.Line, pos.Column,
		"%s: %q is neither true nor false: write true, false, or a ${VAR} or $(…) that gives one of them", path, text)
}
