package engine

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode"

	"mvdan.cc/sh/v3/syntax"

	"github.com/devspace-engine/devspace/runvars"
)

// FuzzRewrite: the rewrite of dotted references keeps the script's length
// and every byte outside the references, maps each mangled name back to
// the one written, finds nothing more to rewrite in its own output, and a
// script that parses still prints and parses again once its functions
// count their depth.
func FuzzRewrite(f *testing.F) {
	f.Add("echo ${runtime.images.app.tag} $<runtime.images.app-2.image>")
	f.Add("echo '${a.b}' \"${a.b:-x}\" ${a.}")
	f.Add("f() { f; }; f")
	f.Fuzz(func(t *testing.T, text string) {
		var table nameTable
		out, refs, err := table.rewrite(text)
		if err != nil {
			if !strings.Contains(err.Error(), "cannot be told apart") {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if len(out) != len(text) {
			t.Fatalf("length %d → %d", len(text), len(out))
		}
		changed := make([]bool, len(text))
		for _, r := range refs {
			end := r.offset + len(r.name) + 3
			if text[r.offset] != '$' || out[r.offset:r.offset+2] != "${" || out[end-1] != '}' && out[end-1] != ':' {
				t.Fatalf("ref %q at %d: %q → %q", r.name, r.offset, text[r.offset:end], out[r.offset:end])
			}
			if name, ok := table.original(mangle(r.name)); !ok || name != r.name {
				t.Fatalf("%q maps back to %q, %v", mangle(r.name), name, ok)
			}
			for i := r.offset + 1; i < end; i++ {
				changed[i] = true
			}
		}
		for i := range text {
			if !changed[i] && text[i] != out[i] {
				t.Fatalf("byte %d outside the references changed: %q → %q", i, text[i], out[i])
			}
		}
		var again nameTable
		if out2, refs2, _ := again.rewrite(out); out2 != out || len(refs2) != 0 {
			t.Fatalf("rewriting the output again changed it: %q → %q", out, out2)
		}
		checkDepthWrapping(t, text)
	})
}

// checkDepthWrapping parses text as the engine does and checks that the
// script, its functions wrapped by countDepth, prints as shell that
// parses again if the script without the wrapping does.
func checkDepthWrapping(t *testing.T, text string) {
	e := New(Options{Runtime: runvars.New(nil)})
	print := func(file *syntax.File) string {
		var printed bytes.Buffer
		if err := syntax.NewPrinter().Print(&printed, file); err != nil {
			t.Fatalf("print: %v", err)
		}
		return printed.String()
	}
	reparse := func(wrap bool) error {
		file, err := e.parse(context.Background(), Script{Name: "fuzz", Text: text})
		if err != nil {
			return nil
		}
		if wrap {
			countDepth(file)
		}
		_, err = syntax.NewParser().Parse(strings.NewReader(print(file)), "")
		return err
	}
	if reparse(false) != nil || !printsStably(t, e, text, print) || oddFuncName(e, text) {
		return // the printer cannot round-trip this script anyway
	}
	if err := reparse(true); err != nil {
		t.Fatalf("the wrapped script does not parse again: %v", err)
	}
}

// printsStably reports whether the script, printed, parses back to a
// script that prints the same. Some do not: a form feed before `#0()`
// makes a function named #0 that the printer puts at the start of a
// line, where it reads back as a comment.
func printsStably(t *testing.T, e *Engine, text string, print func(*syntax.File) string) bool {
	file, err := e.parse(context.Background(), Script{Name: "fuzz", Text: text})
	if err != nil {
		return false
	}
	first := print(file)
	again, err := syntax.NewParser().Parse(strings.NewReader(first), "")
	return err == nil && print(again) == first
}

// oddFuncName reports whether a function's name holds white space or
// starts with '#' (a vertical tab or form feed parses as part of a word).
// The printer writes such a name as it is, and it reads back as white
// space or a comment: those scripts do not round-trip, wrapped or not.
func oddFuncName(e *Engine, text string) bool {
	file, err := e.parse(context.Background(), Script{Name: "fuzz", Text: text})
	if err != nil {
		return false
	}
	odd := false
	syntax.Walk(file, func(n syntax.Node) bool {
		if decl, ok := n.(*syntax.FuncDecl); ok && decl.Name != nil {
			name := decl.Name.Value
			odd = odd || strings.HasPrefix(name, "#") || strings.ContainsFunc(name, unicode.IsSpace)
		}
		return true
	})
	return odd
}
