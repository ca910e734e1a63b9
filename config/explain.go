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
	path := l.pathAt(ye.GetToken().Position.Line, ye.GetToken().Position.Column)
	var unknown *yaml.UnknownFieldError
	var typeErr *yaml.TypeError
	switch {
	case errors.As(err, &unknown):
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
		where := path
		if where == "" {
			where = "value"
		}
		return fmt.Sprintf("%s: expected %s, got %s %q", where, kindName(typeErr.DstType), tokenKind(ye), ye.GetToken().Value)
	}
	return ye.GetMessage()
}

// pathAt finds the dotted path of the value written at line:col.
func (l *loader) pathAt(line, col int) string {
	best := ""
	for path, p := range index(l.path, l.root) {
		if p.Line == line && p.Col == col {
			path = strings.TrimSuffix(path, "#key")
			if best == "" || len(path) < len(best) {
				best = path
			}
		}
	}
	return best
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

// distance is the Levenshtein edit distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
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
		}
		prev = cur
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
