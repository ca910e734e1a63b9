package config

import (
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// normalize expands the shorthands DevSpace accepts into their full form,
// in the tree, so positions survive:
//
//	pipelines.NAME: "script"  →  {run: "script"}
//	commands.NAME:  "script"  →  {command: "script"}
//	vars.NAME:      value     →  {value: value}
//	vars.NAME:      "$(cmd)"  →  {command: "cmd"}
func (l *loader) normalize() error {
	shorthands := map[string]string{"pipelines": "run", "commands": "command"}
	for section, field := range shorthands {
		if err := l.wrapScalars(section, func(ast.Node) string { return field }); err != nil {
			return err
		}
	}
	return l.wrapScalars("vars", func(n ast.Node) string {
		if str, ok := unwrap(n).(*ast.StringNode); ok && isCommandShorthand(str.Value) {
			str.Value = strings.TrimSpace(str.Value)
			str.Value = str.Value[2 : len(str.Value)-1]
			return "command"
		}
		return "value"
	})
}

func isCommandShorthand(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "$(") && strings.HasSuffix(s, ")")
}

// wrapScalars replaces every scalar entry of a top-level map section with
// a one-key mapping {field: scalar}.
func (l *loader) wrapScalars(section string, field func(ast.Node) string) error {
	mv := lookup(l.root, section)
	if mv == nil {
		return nil
	}
	for _, entry := range entries(mv.Value) {
		switch unwrap(entry.Value).(type) {
		case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode, *ast.NullNode:
			continue
		}
		wrapped, err := wrapAsMapping(field(entry.Value), entry.Value)
		if err != nil {
			return l.fromYAML(err)
		}
		entry.Value = wrapped // not Replace: it shifts columns
	}
	return nil
}
