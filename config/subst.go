package config

import (
	"regexp"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// varRef matches ${NAME} references. Names may contain dots and dashes
// (DevSpace's ${devspace.namespace}, ${runtime.images.app-2.tag}).
var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_.\-]*)\}`)

// runTimeSections hold scripts: their ${VAR}s are expanded by the shell at
// run time from the environment, as DevSpace does, not at load time.
var runTimeSections = map[string]bool{
	"pipelines": true, "commands": true, "functions": true,
	"vars": true, "profiles": true, "version": true,
}

// substitute replaces ${VAR} in every config value outside the script
// sections. ${runtime.*} is left for the consumers that resolve it live.
func (l *loader) substitute(vars map[string]string) error {
	for _, mv := range entries(l.root) {
		if runTimeSections[keyOf(mv)] {
			continue
		}
		if err := l.substNode(mv.Value, func(n ast.Node) error { mv.Value = n; return nil }, vars); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) substNode(n ast.Node, replace func(ast.Node) error, vars map[string]string) error {
	switch v := unwrap(n).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		for _, mv := range entries(v) {
			mv := mv
			if err := l.substNode(mv.Value, func(n ast.Node) error { mv.Value = n; return nil }, vars); err != nil {
				return err
			}
		}
	case *ast.SequenceNode:
		for i := range v.Values {
			i := i
			if err := l.substNode(v.Values[i], func(n ast.Node) error { v.Values[i] = n; return nil }, vars); err != nil {
				return err
			}
		}
	case *ast.StringNode:
		return l.substString(v, replace, vars)
	case *ast.LiteralNode:
		return l.substString(v.Value, func(ast.Node) error { return nil }, vars)
	}
	return nil
}

func (l *loader) substString(s *ast.StringNode, replace func(ast.Node) error, vars map[string]string) error {
	if !strings.Contains(s.Value, "${") {
		return nil
	}
	var missing string
	whole := varRef.FindStringSubmatchIndex(s.Value)
	out := varRef.ReplaceAllStringFunc(s.Value, func(ref string) string {
		name := ref[2 : len(ref)-1]
		if strings.HasPrefix(name, "runtime.") {
			return ref
		}
		val, ok := vars[name]
		if !ok {
			val, ok = envMap(l.opts.Environ)[name]
		}
		if !ok && missing == "" {
			missing = name
		}
		return val
	})
	if missing != "" {
		p := s.GetToken().Position
		col := p.Column + strings.Index(s.Value, "${"+missing+"}")
		if s.GetToken().Type.String() != "String" {
			col = p.Column // quoted: the offset inside is not exact
		}
		err := l.errorf(p.Line, col, "variable %q is not defined", missing)
		err.Hint = "define it under `vars:`, set it in the environment, or pass --var " + missing + "=VALUE"
		return err
	}
	// A value that is exactly one ${VAR} takes the variable's YAML type, so
	// `replicas: ${N}` decodes as an integer.
	if whole != nil && whole[0] == 0 && whole[1] == len(s.Value) && !strings.HasPrefix(s.Value, "${runtime.") {
		if typed := typedScalar(out, s); typed != nil {
			return replace(typed)
		}
	}
	s.Value = out
	return nil
}

// typedScalar parses a substituted value as a YAML scalar; it returns nil
// for plain strings (which stay string nodes).
func typedScalar(value string, orig *ast.StringNode) ast.Node {
	n, err := parseValueNode(value)
	if err != nil || n == nil {
		return nil
	}
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		p := *orig.GetToken().Position
		n.GetToken().Position = &p
		return n
	}
	return nil
}
