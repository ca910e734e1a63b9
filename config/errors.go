package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Pos is a position in a file. Line and Col start at 1.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is a user error located in a file. It prints as
//
//	devspace.yaml:6:4: message
//	   6 |    continueOnError: true
//	     |    ^
type Error struct {
	Pos Pos
	Msg string
	// Hint tells the user what to do about it; optional.
	Hint string
	// Chain lists the import entries (file:line:col) that brought the
	// file in, outermost first; empty for the loaded devspace.yaml.
	Chain []string
	// source is the file's text, used for the snippet.
	source []byte
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Pos, e.Msg)
	if snippet := e.snippet(); snippet != "" {
		b.WriteString("\n")
		b.WriteString(snippet)
	}
	if e.Hint != "" {
		b.WriteString("\n")
		b.WriteString(e.Hint)
	}
	if len(e.Chain) > 0 {
		fmt.Fprintf(&b, "\nimported by %s → %s", strings.Join(e.Chain, " → "), e.Pos.File)
	}
	return b.String()
}

// snippet renders the offending source line with a caret under Col.
func (e *Error) snippet() string {
	if e.source == nil || e.Pos.Line < 1 {
		return ""
	}
	lines := sourceLines(e.source)
	if e.Pos.Line > len(lines) {
		return ""
	}
	line := lines[e.Pos.Line-1]
	num := fmt.Sprintf("%4d | ", e.Pos.Line)
	line, col := clip(line, max(e.Pos.Col, 1))
	pad := strings.Repeat(" ", len(num)-2) + "| " + caretIndent(line, col-1)
	return num + line + "\n" + pad + "^"
}

// sourceLines splits src at YAML's line breaks (CRLF, LF or a lone CR),
// so that line numbers here are the parser's.
func sourceLines(src []byte) []string {
	return strings.Split(strings.ReplaceAll(strings.ReplaceAll(string(src), "\r\n", "\n"), "\r", "\n"), "\n")
}

// snippetWidth is how much of a long source line a snippet shows.
const snippetWidth = 120

// clip cuts a line longer than snippetWidth to the part around col (a
// minified or generated file may hold megabytes on one line), marking cut
// ends with "…", and returns the caret's column (in bytes, as
// caretIndent counts) in what is left.
func clip(line string, col int) (string, int) {
	if len(line) <= snippetWidth {
		return line, col
	}
	start := max(min(col-1-snippetWidth/2, len(line)-snippetWidth), 0)
	for start > 0 && !utf8.RuneStart(line[start]) {
		start--
	}
	end := min(start+snippetWidth, len(line))
	for end < len(line) && !utf8.RuneStart(line[end]) {
		end++
	}
	out, col := line[start:end], col-start
	if start > 0 {
		out, col = "…"+out, col+len("…")
	}
	if end < len(line) {
		out += "…"
	}
	return out, col
}

// caretIndent keeps tabs so the caret lines up under the right character.
func caretIndent(line string, n int) string {
	var b strings.Builder
	for i, r := range line {
		if i >= n {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	for b.Len() < n {
		b.WriteByte(' ')
	}
	return b.String()
}

// NewError builds a positioned error for a config file.
func NewError(file string, source []byte, line, col int, format string, args ...any) *Error {
	return &Error{Pos: Pos{File: displayPath(file), Line: line, Col: col}, Msg: fmt.Sprintf(format, args...), source: source}
}

// ErrorAt builds a positioned error for a value of this config, found by its
// dotted path (e.g. "images.app.image"). Without a known position the error
// names the file and the path.
func (c *Config) ErrorAt(path, format string, args ...any) *Error {
	pos, ok := c.Pos(path)
	msg := fmt.Sprintf(format, args...)
	if !ok {
		msg = path + ": " + msg
		return &Error{Pos: pos, Msg: msg, source: c.Source}
	}
	f := c.fileOf(c.positions[path].Line)
	return &Error{Pos: pos, Msg: msg, source: f.src, Chain: f.chain}
}

// ErrorInScript positions an error found at line:col of a script that lives
// in this config (a pipeline's run, a command, a function).
func (c *Config) ErrorInScript(src ScriptSource, line, col int, msg string) *Error {
	f := c.fileOf(src.Line)
	pos := Pos{File: displayPath(f.path)}
	if src.Line > 0 {
		pos.Line, pos.Col = src.Line%lineStride+line-1, col
		if src.Block || line == 1 {
			pos.Col = src.Col + col - 1
		}
	}
	return &Error{Pos: pos, Msg: msg, source: f.src, Chain: f.chain}
}

// displayPath shortens an absolute path to one relative to the working
// directory when that is shorter, so messages read `devspace.yaml:3:5`.
func displayPath(path string) string {
	if path == "" {
		return "devspace.yaml"
	}
	if rel, err := filepath.Rel(mustGetwd(), path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}
