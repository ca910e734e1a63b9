package config

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// exprPattern matches a config expression, a value that is all `$(…)`, in
// DevSpace's spellings: `$!(…)` keeps the output a string, `$#(…)` keeps its
// surrounding whitespace, and `$$(…)` is the text itself without the first
// `$` (an escape).
var exprPattern = regexp.MustCompile(`(?s)^\$(\$?)(#?)(!?)\((.+)\)$`)

// expressionRunTime lists the places whose expressions are left for the
// moment they are used, as in DevSpace: hooks' command and args run when the
// hook does. Scripts (pipelines, commands, functions) are shell text, and
// vars resolve their own `$(…)`.
var expressionRunTime = regexp.MustCompile(`^hooks\[\d+\]\.(command|args(\[\d+\])?)$`)

// expressionSections are the top-level keys whose values may hold
// expressions resolved at load time.
func expressionSection(key string) bool {
	return !runTimeSections[key] && key != "imports"
}

// resolveExpressions runs every config expression outside the script
// sections, in the config's directory, and puts its output in place of the
// value: typed as YAML (true/false, integers, null, a mapping or a list)
// unless written `$!(…)`. It reports whether any ran.
func (l *loader) resolveExpressions(vars map[string]string) (bool, error) {
	x := &exprRunner{l: l, vars: vars}
	for _, mv := range entries(l.root) {
		key := keyOf(mv)
		if !expressionSection(key) {
			continue
		}
		if err := x.walk(key, mv.Value, func(n ast.Node) { mv.Value = n }); err != nil {
			return false, err
		}
	}
	return x.ran, nil
}

type exprRunner struct {
	l    *loader
	vars map[string]string
	ran  bool
}

func (x *exprRunner) walk(path string, n ast.Node, replace func(ast.Node)) error {
	switch v := unwrap(n).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		for _, mv := range entries(v) {
			mv := mv
			if err := x.walk(joinPath(path, keyOf(mv)), mv.Value, func(n ast.Node) { mv.Value = n }); err != nil {
				return err
			}
		}
	case *ast.SequenceNode:
		for i := range v.Values {
			i := i
			if err := x.walk(path+"["+strconv.Itoa(i)+"]", v.Values[i], func(n ast.Node) { v.Values[i] = n }); err != nil {
				return err
			}
		}
	case *ast.StringNode:
		return x.resolve(path, v.Value, v.GetToken().Position, replace)
	case *ast.LiteralNode:
		return x.resolve(path, v.Value.Value, v.GetToken().Position, replace)
	}
	return nil
}

// resolve runs the expression a value holds, if it is one.
func (x *exprRunner) resolve(path, value string, pos *token.Position, replace func(ast.Node)) error {
	if expressionRunTime.MatchString(path) {
		return nil
	}
	r, err := x.l.evaluate(path, value, x.vars, pos.Line, pos.Column)
	if err != nil || r.kind == notExpression {
		return err
	}
	x.ran = x.ran || r.kind != escapedText
	if r.kind == typedOutput {
		replace(typedNode(r.text, pos))
	} else {
		replace(stringNode(r.text, pos))
	}
	return nil
}

// exprKind says what a value turned out to be.
type exprKind int

const (
	notExpression exprKind = iota
	escapedText            // $$(…): the text without its first $
	stringOutput           // $!(…)
	typedOutput            // $(…): typed as YAML where it is put
)

type evaluated struct {
	kind exprKind
	text string
}

// evaluate runs value's expression, if it is one, with vars in its
// environment; line:col is where value was written, for errors.
func (l *loader) evaluate(path, value string, vars map[string]string, line, col int) (evaluated, error) {
	text := strings.TrimSpace(value)
	if !strings.HasPrefix(text, "$") || !strings.HasSuffix(text, ")") { // most values: no regexp
		return evaluated{}, nil
	}
	m := exprPattern.FindStringSubmatch(text)
	if m == nil {
		return evaluated{}, nil
	}
	escaped, keepSpace, asString, script := m[1] != "", m[2] != "", m[3] != "", m[4]
	if escaped {
		return evaluated{escapedText, text[1:]}, nil
	}
	out, err := l.runExpression(path, script, vars, line, col)
	if err != nil {
		return evaluated{}, err
	}
	if !keepSpace {
		out = strings.TrimSpace(out)
	}
	if out == "" { // DevSpace: a test that succeeds silently is true
		out = "true"
	}
	if asString {
		return evaluated{stringOutput, out}, nil
	}
	return evaluated{typedOutput, out}, nil
}

// runExpression runs an expression's script with `sh` (as `$(…)` vars do),
// given the command line's arguments as $1…, the config's variables and
// DEVSPACE_SKIP_PRELOAD=true in its environment. Exit status 1 with no
// output is DevSpace's false.
func (l *loader) runExpression(path, script string, vars map[string]string, line, col int) (string, error) {
	if l.noCommands {
		return "", l.errorf(line, col, "%s: expressions are not run here", path)
	}
	if _, err := l.opts.TmpDir.Ensure(); err != nil {
		return "", err
	}
	cmd := exec.Command("sh", append([]string{"-c", script, "devspace"}, l.opts.Args...)...)
	cmd.Dir = l.dir()
	cmd.Env = append(append([]string{}, l.opts.Environ...), "DEVSPACE_SKIP_PRELOAD=true")
	for k, v := range vars {
		if !strings.Contains(k, ".") {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := l.runChild(cmd)
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 && strings.TrimSpace(stdout.String()+stderr.String()) == "" {
		return "false", nil
	}
	if err != nil {
		e := l.errorf(line, col, "%s: expression $(%s) failed: %v", path, firstLine(script), err)
		e.Hint = strings.TrimSpace(stderr.String())
		return "", e
	}
	return stdout.String(), nil
}

// typedNode gives an expression's output its YAML type, as DevSpace does:
// true/false, an integer, null, a mapping or a list; anything else stays
// the string it is. The new nodes sit at the expression's position.
func typedNode(out string, pos *token.Position) ast.Node {
	if out == "null" || out == "undefined" {
		tk := token.New(out, out, copyPos(pos))
		tk.Type = token.NullType
		return ast.Null(tk)
	}
	str := stringNode(out, pos)
	if typed := typedScalar(out, str); typed != nil {
		return typed
	}
	f, err := parser.ParseBytes([]byte(out), 0)
	if err != nil || len(f.Docs) != 1 || f.Docs[0].Body == nil {
		return str
	}
	switch body := f.Docs[0].Body; unwrap(body).(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		ast.Walk(visitorFunc(func(n ast.Node) {
			if tk := n.GetToken(); tk != nil {
				tk.Position = copyPos(pos)
			}
		}), body)
		return body
	}
	return str
}

func stringNode(s string, pos *token.Position) *ast.StringNode {
	tk := token.New(s, s, copyPos(pos))
	tk.Type = token.StringType
	return ast.String(tk)
}

func copyPos(pos *token.Position) *token.Position {
	p := *pos
	return &p
}

// valueOf is a variable's value or default: its ${VAR}s expanded, and run
// when it is a config expression (`value: $(git rev-parse HEAD)`), as
// DevSpace does.
func (r *varResolver) valueOf(name, field string, raw any) (string, error) {
	s, err := r.expand(name, fmt.Sprint(raw))
	if err != nil {
		return "", err
	}
	if t := strings.TrimSpace(s); !strings.HasPrefix(t, "$") || !strings.HasSuffix(t, ")") {
		return s, nil
	}
	path := "vars." + name + "." + field
	p := index(r.l.path, r.l.root)[path]
	if err := r.resolveShellRefs(name, s); err != nil {
		return "", err
	}
	res, err := r.l.evaluate(path, s, r.resolved, p.Line, p.Col)
	if err != nil || res.kind == notExpression {
		return s, err
	}
	return res.text, nil
}
