package config

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
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
		return l.substString(v, v.GetToken().Position, replace, vars)
	case *ast.LiteralNode:
		// A block scalar's text token sits at its end; search from the `|`.
		return l.substString(v.Value, v.GetToken().Position, func(ast.Node) error { return nil }, vars)
	}
	return nil
}

// substString substitutes the ${VAR}s in one scalar written at start.
func (l *loader) substString(s *ast.StringNode, start *token.Position, replace func(ast.Node) error, vars map[string]string) error {
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
		line, col := l.findAfter(start.Line, start.Column, "${"+missing+"}")
		err := l.errorf(line, col, "variable %q is not defined", missing)
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

// typedScalar gives a substituted value DevSpace's type (its
// convertStringValue): exactly true/false become booleans and decimal
// integers become integers. Nothing else is typed, so "1.10" or "010"
// reaches a string field unchanged. It returns nil for plain strings.
func typedScalar(value string, orig *ast.StringNode) ast.Node {
	p := *orig.GetToken().Position
	tk := token.New(value, value, &p)
	switch {
	case value == "true" || value == "false":
		tk.Type = token.BoolType
		return ast.Bool(tk)
	case isDecimal(value):
		tk.Type = token.IntegerType
		return ast.Integer(tk)
	}
	return nil
}

// isDecimal reports whether s is an integer written the way strconv.Itoa
// writes it, so that turning it into a number loses nothing.
func isDecimal(s string) bool {
	i, err := strconv.Atoi(s)
	return err == nil && strconv.Itoa(i) == s
}

// findAfter locates text in the source at or after line:col, so that an
// error about a ${VAR} points at the reference itself, also inside quotes
// and block scalars. Without a match it returns line:col unchanged.
func (l *loader) findAfter(line, col int, text string) (int, int) {
	if line < lineStride {
		line += l.base
	}
	f, real := l.table().locate(line)
	base := line - real
	line, col = findIn(f.src, real, col, text)
	return line + base, col
}

func findIn(src []byte, line, col int, text string) (int, int) {
	lines := sourceLines(src)
	for i := line - 1; i >= 0 && i < len(lines); i++ {
		from := 0
		if i == line-1 {
			from = min(max(col-1, 0), len(lines[i]))
		}
		if j := strings.Index(lines[i][from:], text); j >= 0 {
			return i + 1, from + j + 1
		}
	}
	return line, col
}
