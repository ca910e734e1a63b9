package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
)

// explain rewrites goccy's decode messages into ones that name the field,
// say what was expected, and suggest a fix.
func (l *loader) explain(err error, ye yaml.Error) string {
	line, col := ye.GetToken().Position.Line, ye.GetToken().Position.Column
	var unknown *yaml.UnknownFieldError
	var typeErr *yaml.TypeError
	switch {
	case errors.As(err, &unknown):
		path := l.pathAt(line, col, true)
		field := ye.GetToken().Value
		msg := fmt.Sprintf("unknown field %q", field)
		if parent := parentPath(path); parent != "" {
			msg += " in " + parent
		}
		if known := fieldsAt(reflect.TypeOf(Config{}), parentPath(path)); len(known) > 0 {
			if s := closest(field, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += "; known fields: " + strings.Join(known, ", ")
			}
		}
		return msg
	case errors.As(err, &typeErr):
		where := l.pathAt(line, col, false)
		if where == "" {
			where = "value"
		}
		return fmt.Sprintf("%s: expected %s, got %s %q", where, kindName(typeErr.DstType), tokenKind(ye), ye.GetToken().Value)
	}
	return ye.GetMessage()
}

// pathAt finds the dotted path of the key (wantKey) or the value written
// at line:col. A block mapping sits where its first key does, so the two
// are told apart.
func (l *loader) pathAt(line, col int, wantKey bool) string {
	best := ""
	for path, p := range index(l.path, l.root) {
		isKey := strings.HasSuffix(path, "#key")
		if p.Line != line || p.Col != col || isKey != wantKey {
			continue
		}
		if path = strings.TrimSuffix(path, "#key"); best == "" || preferPath(path, best) {
			best = path
		}
	}
	return best
}

// preferPath orders candidate paths for one position. A value copied in by
// a profile sits at two paths, in the profile and where it was applied; the
// applied one is what the error is about. Otherwise the shortest wins.
func preferPath(a, b string) bool {
	aProfile, bProfile := strings.HasPrefix(a, "profiles["), strings.HasPrefix(b, "profiles[")
	if aProfile != bProfile {
		return bProfile
	}
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

var indexSuffix = regexp.MustCompile(`\[\d+\]$`)

func parentPath(path string) string {
	if i := strings.LastIndex(path, "."); i >= 0 {
		return path[:i]
	}
	return ""
}

// fieldsAt lists the yaml field names of the struct found at a dotted path
// such as "pipelines.dev.flags[0]".
func fieldsAt(t reflect.Type, path string) []string {
	for _, seg := range splitPath(path) {
		name, indexes := splitIndexes(seg)
		switch t = deref(t); t.Kind() {
		case reflect.Map:
			t = t.Elem()
		case reflect.Struct:
			ft, ok := fieldByTag(t, name)
			if !ok {
				return nil
			}
			t = ft
		default:
			return nil
		}
		for range indexes {
			if t = deref(t); t.Kind() != reflect.Slice {
				return nil
			}
			t = t.Elem()
		}
	}
	if t = deref(t); t.Kind() != reflect.Struct {
		return nil
	}
	return tagNames(t)
}

// splitIndexes splits "flags[0][1]" into "flags" and two indexes.
func splitIndexes(seg string) (string, []string) {
	var idx []string
	for indexSuffix.MatchString(seg) {
		loc := indexSuffix.FindStringIndex(seg)
		idx = append(idx, seg[loc[0]:])
		seg = seg[:loc[0]]
	}
	return seg, idx
}

func splitPath(path string) []string {
	if path == "" {
		return nil
	}
	return strings.Split(path, ".")
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func fieldByTag(t reflect.Type, name string) (reflect.Type, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")
		if len(tag) > 1 && tag[1] == "inline" {
			if ft, ok := fieldByTag(deref(f.Type), name); ok {
				return ft, true
			}
			continue
		}
		if tag[0] == name {
			return f.Type, true
		}
	}
	return nil, false
}

func tagNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")
		switch {
		case len(tag) > 1 && tag[1] == "inline":
			out = append(out, tagNames(deref(f.Type))...)
		case tag[0] != "" && tag[0] != "-" && tag[0] != "name":
			out = append(out, tag[0])
		}
	}
	sort.Strings(out)
	return out
}

// closest returns the known name nearest to s, if it is near enough to be a typo.
func closest(s string, known []string) string {
	best, bestDist := "", len(s)/2+2
	for _, k := range known {
		if d := distance(strings.ToLower(s), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// Suggest returns the name in known that s most likely is a typo of, or ""
// when none is close: one edit for names of 4 to 6 characters, two for
// longer ones, none for shorter ones (any short word is near some builtin
// or command, and a wrong guess misleads more than no guess).
func Suggest(s string, known []string) string {
	maxDist := 2
	switch {
	case len(s) < 4:
		return ""
	case len(s) <= 6:
		maxDist = 1
	}
	best, bestDist := "", maxDist+1
	for _, k := range known {
		if d := distance(s, k); d < bestDist && k != s {
			best, bestDist = k, d
		}
	}
	return best
}

// distance is the edit distance counting an insertion, a deletion, a
// substitution or a swap of two neighbours as one edit (optimal string
// alignment): "deplyo" is one edit from "deploy".
func distance(a, b string) int {
	// rows[i][j] is the distance between a[:i] and b[:j]; three rows suffice.
	prev2, prev := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev = prev, cur
	}
	return prev[len(b)]
}

func kindName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch deref(t).Kind() {
	case reflect.Bool:
		return "a boolean (true or false)"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return deref(t).String()
}

func tokenKind(ye yaml.Error) string {
	tk := ye.GetToken()
	switch tk.Type.String() {
	case "Integer", "BinaryInteger", "OctetInteger", "HexInteger":
		return "integer"
	case "Float":
		return "number"
	case "Bool":
		return "boolean"
	case "Null":
		return "null"
	case "SequenceStart", "SequenceEntry":
		return "list"
	case "MappingStart", "MappingValue", "MappingKey":
		return "mapping"
	}
	return "string"
}

// indentError explains goccy's "... is not allowed in this context", which
// nearly always means a line is indented wrongly. A key indented deeper than
// the line above it is reported by goccy at the line above (the two read as
// one multi-line string); we move the error to the deeper line.
func (l *loader) indentError(line, col int, msg string) *Error {
	lines := sourceLines(l.src)
	if line < 1 || line > len(lines) {
		return l.errorf(line, col, "%s", msg)
	}
	if next := nextContentLine(lines, line); next > 0 && indentOf(lines[next-1]) > indentOf(lines[line-1]) &&
		strings.HasPrefix(msg, "mapping value") {
		line, col = next, indentOf(lines[next-1])+1
		msg = "this line is indented deeper than the line above it"
	}
	err := l.errorf(line, col, "%s", msg)
	if prev := prevContentLine(lines, line); prev > 0 {
		err.Hint = fmt.Sprintf("check the indentation: line %d starts at column %d, line %d at column %d",
			line, indentOf(lines[line-1])+1, prev, indentOf(lines[prev-1])+1)
	}
	return err
}

// nextContentLine and prevContentLine find the nearest line after or before
// line (1-based) that is neither blank nor a comment; 0 if there is none.
func nextContentLine(lines []string, line int) int {
	for i := line; i < len(lines); i++ {
		if isContent(lines[i]) {
			return i + 1
		}
	}
	return 0
}

func prevContentLine(lines []string, line int) int {
	for i := line - 2; i >= 0 && i < len(lines); i-- {
		if isContent(lines[i]) {
			return i + 1
		}
	}
	return 0
}

func isContent(line string) bool {
	t := strings.TrimSpace(line)
	return t != "" && !strings.HasPrefix(t, "#")
}

func indentOf(line string) int {
	return len(line) - len(strings.TrimLeft(line, " "))
}
