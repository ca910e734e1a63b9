package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"

	"github.com/devspace-engine/devspace/config"
)

// Script is shell source and where it lives in devspace.yaml.
type Script struct {
	// Name says what the script is, for messages: `pipeline "dev"`.
	Name string
	Text string
	// Source locates Text in the config file; zero when it has no file.
	Source config.ScriptSource
}

// parse rewrites dotted variable references into names the shell accepts
// and parses the result. The rewrite keeps every byte offset, so parse
// errors keep pointing at the right devspace.yaml line and column.
// Checking a ${runtime.dependencies.…} reference may load the dependency,
// under ctx.
func (e *Engine) parse(ctx context.Context, s Script) (*syntax.File, error) {
	text, refs, err := e.names.rewrite(s.Text)
	if err != nil {
		return nil, e.scriptError(s, 1, 1, err.Error())
	}
	f, err := e.parseShell(s, text)
	if err != nil || len(refs) == 0 {
		return f, err
	}
	// Only references the shell expands are variables; one in a comment
	// or a quoted heredoc is text: it is not checked, and it is put back
	// as written (same length, so the script parses the same way).
	expanded := paramOffsets(f)
	restored := []byte(text)
	for _, ref := range refs {
		if !expanded[ref.offset] {
			end := ref.offset + len(ref.name) + 3 // ${name} or $<name>
			copy(restored[ref.offset:end], s.Text[ref.offset:end])
			continue
		}
		if err := e.checkRef(ctx, ref.name); err != nil {
			line, col := lineCol(s.Text, ref.offset)
			return nil, e.scriptError(s, line, col, err.Error())
		}
	}
	if string(restored) == text {
		return f, nil
	}
	return e.parseShell(s, string(restored))
}

func (e *Engine) parseShell(s Script, text string) (*syntax.File, error) {
	f, err := syntax.NewParser().Parse(strings.NewReader(text), "")
	if err != nil {
		var pe syntax.ParseError
		if errors.As(err, &pe) {
			return nil, e.scriptError(s, int(pe.Pos.Line()), int(pe.Pos.Col()), pe.Text)
		}
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	return f, nil
}

// paramOffsets lists where the script's parameter expansions (${…}) start.
func paramOffsets(f *syntax.File) map[int]bool {
	at := map[int]bool{}
	syntax.Walk(f, func(n syntax.Node) bool {
		if pe, ok := n.(*syntax.ParamExp); ok && !pe.Short {
			at[int(pe.Dollar.Offset())] = true
		}
		return true
	})
	return at
}

// checkRef validates a ${runtime.…} reference before the script runs, so a
// typo is an error with a position instead of an empty string.
func (e *Engine) checkRef(ctx context.Context, name string) error {
	rest, ok := strings.CutPrefix(name, "runtime.")
	if !ok {
		return nil
	}
	_, err := e.runtime.LookupContext(ctx, rest)
	return err
}

// scriptError positions a message at line:col of a script.
func (e *Engine) scriptError(s Script, line, col int, msg string) error {
	if s.Source.Line == 0 || e.config == nil {
		return fmt.Errorf("%s:%d:%d: %s", s.Name, line, col, msg)
	}
	return e.config.ErrorInScript(s.Source, line, col, msg)
}

// site returns where pos of s is in the config file, as FILE:LINE:COL, or
// "" when s is not in the file (a default pipeline, xargs' own script, no
// script at all).
func (e *Engine) site(s Script, pos syntax.Pos) string {
	if s.Source.Line == 0 || e.config == nil || !pos.IsValid() {
		return ""
	}
	return e.config.ErrorInScript(s.Source, int(pos.Line()), int(pos.Col()), "").Pos.String()
}

func lineCol(text string, offset int) (int, int) {
	before := text[:offset]
	line := strings.Count(before, "\n") + 1
	return line, offset - strings.LastIndex(before, "\n")
}

// nameTable remembers which shell-safe name stands for which dotted name,
// for every script the engine parsed. Safe for concurrent use.
type nameTable struct {
	mu    sync.RWMutex
	names map[string]string // mangled → original
}

type ref struct {
	name   string
	offset int
}

func (t *nameTable) original(mangled string) (string, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	name, ok := t.names[mangled]
	return name, ok
}

func (t *nameTable) add(mangled, original string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.names == nil {
		t.names = map[string]string{}
	}
	if prev, ok := t.names[mangled]; ok && prev != original {
		return fmt.Errorf("${%s} and ${%s} cannot be told apart in a script: rename one of them", prev, original)
	}
	t.names[mangled] = original
	return nil
}

// rewrite turns every ${a.b-c.d} into ${a_b_c_d} and $<a.b.c> into
// ${a_b_c}, keeping the text's length. It does not try to understand
// quoting or comments (an apostrophe in a comment would fool it): parse
// puts back, after parsing, every reference the shell does not expand.
func (t *nameTable) rewrite(text string) (string, []ref, error) {
	b := []byte(text)
	var refs []ref
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '$' && i+1 < len(b) && (b[i+1] == '{' || b[i+1] == '<'):
			end, ok := dottedName(b, i+2, b[i+1])
			if !ok {
				continue
			}
			name := string(b[i+2 : end])
			mangled := mangle(name)
			if err := t.add(mangled, name); err != nil {
				return "", nil, err
			}
			refs = append(refs, ref{name: name, offset: i})
			copy(b[i+2:end], mangled)
			if b[i+1] == '<' {
				b[i+1], b[end] = '{', '}'
			}
			i = end
		}
	}
	return string(b), refs, nil
}

// dottedName returns the end of a name with at least one dot that starts
// at b[start]: letters, digits, '_' and, after the first dot, '-' too. The
// name must be followed by '}' (or ':' for ${name:-default}) for '{', and
// by '>' for '<'.
func dottedName(b []byte, start int, open byte) (int, bool) {
	i, dots := start, 0
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > start:
		case c == '.' && i > start && b[i-1] != '.':
			dots++
		case c == '-' && dots > 0:
		default:
			goto done
		}
	}
done:
	if dots == 0 || i == len(b) || b[i-1] == '.' {
		return 0, false
	}
	if open == '<' {
		return i, b[i] == '>'
	}
	return i, b[i] == '}' || b[i] == ':'
}

// mangle replaces '.' and '-' with '_', keeping the length.
func mangle(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '-' {
			return '_'
		}
		return r
	}, name)
}
