package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// fuzzLoad loads src as a config without running commands and without
// the host's kubeconfig.
func fuzzLoad(src []byte) (*Config, error) {
	l := &loader{path: "/fuzz/devspace.yaml", src: src, noCommands: true,
		opts: LoadOptions{Dir: "/fuzz", Environ: []string{"KUBECONFIG=/nonexistent/kubeconfig", "FROM_ENV=env"}}}
	return l.load()
}

// FuzzLoad: any input loads or is refused quickly, without a panic, with
// an error that names the file (and, when it has a position, one inside
// the file), and it succeeds or fails the same way every time.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("version: v2beta1\npipelines:\n  dev: echo hi\n"))
	f.Add([]byte("version: v2beta1\nimages:\n  app:\n    image: reg/${FROM_ENV}:v1\n"))
	f.Add([]byte(aliasBomb()))
	for _, name := range []string{"v1beta11-shop", "v1beta10-api", "v1beta9-web"} {
		if src, err := os.ReadFile(filepath.Join("testdata", "convert", name+".yaml")); err == nil {
			f.Add(src) // DevSpace 5 configs go through the conversion
		}
	}
	f.Add([]byte("version: v2beta1\nx: " + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + "\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		cfg, err := fuzzLoad(src)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v for %d bytes", d, len(src))
		}
		if err == nil {
			if cfg == nil || cfg.Raw == nil {
				t.Fatal("no error and no config")
			}
		} else {
			checkErrorPlace(t, err, src)
		}
		// Not the same message: with several unknown fields, goccy/go-yaml
		// reports a random one (it ranges over a map).
		if _, again := fuzzLoad(src); (err == nil) != (again == nil) {
			t.Fatalf("two loads differ:\n%v\n%v", err, again)
		}
	})
}

// checkErrorPlace asserts that a load error names the file and that a
// positioned one points inside it.
func checkErrorPlace(t *testing.T, err error, src []byte) {
	t.Helper()
	if !strings.Contains(err.Error(), "devspace.yaml") {
		t.Fatalf("error does not name the file: %v", err)
	}
	var e *Error
	if !errors.As(err, &e) {
		return
	}
	// YAML ends a line at \n, \r\n and a lone \r.
	lines := bytes.Count(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")), []byte("\n")) +
		bytes.Count(src, []byte("\r")) - bytes.Count(src, []byte("\r\n")) + 1
	if e.Pos.Line < 0 || e.Pos.Line > lines || e.Pos.Line > 0 && e.Pos.Col < 1 {
		t.Fatalf("position %d:%d outside the file (%d lines): %v", e.Pos.Line, e.Pos.Col, lines, err)
	}
}

// FuzzSubstitute: ${VAR} substitution replaces exactly the defined
// variables (leaving ${runtime.*}), reports an undefined one at its
// position, and substituting the result again changes nothing when it
// holds no references (but ${runtime.*}).
func FuzzSubstitute(f *testing.F) {
	f.Add("reg/${A}:v1", "x")
	f.Add("${A}", "42")
	f.Add("${A}${B.c}-${runtime.images.app.tag}", "true")
	f.Add("$${A} ${ ${A ${NOPE}", "")
	f.Fuzz(func(t *testing.T, value, a string) {
		vars := map[string]string{"A": a, "B.c": "dotted"}
		l := &loader{path: "/fuzz/devspace.yaml", src: []byte(value)}
		once, err := substitute1(l, value, vars)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Pos.Line < 1 || e.Pos.Col < 1 {
				t.Fatalf("error without a position: %v", err)
			}
			if !strings.Contains(e.Msg, "is not defined") {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		for _, m := range varRef.FindAllStringSubmatch(value, -1) {
			if _, defined := vars[m[1]]; !defined && !strings.HasPrefix(m[1], "runtime.") {
				t.Fatalf("%q refers to undefined %s but substitution succeeded", value, m[0])
			}
		}
		// Substitution is one pass: text around a reference may form a new
		// one (`${${A}}` → `${A}`), which stays as it is.
		for _, m := range varRef.FindAllStringSubmatch(once, -1) {
			if !strings.HasPrefix(m[1], "runtime.") {
				return
			}
		}
		l.src = []byte(once)
		twice, err := substitute1(l, once, vars)
		if err != nil || twice != once {
			t.Fatalf("not idempotent: %q → %q → %q, %v", value, once, twice, err)
		}
	})
}

// substitute1 substitutes one scalar and returns its text.
func substitute1(l *loader, value string, vars map[string]string) (string, error) {
	tk := token.New(value, value, &token.Position{Line: 1, Column: 1})
	node := ast.String(tk)
	var out ast.Node = node
	err := l.substString(node, tk.Position, func(n ast.Node) error { out = n; return nil }, vars)
	if err != nil {
		return "", err
	}
	if s, ok := out.(*ast.StringNode); ok {
		return s.Value, nil
	}
	return out.GetToken().Value, nil // a typed scalar (true, 42)
}
