package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ObjectPatch is one `kubectl.patches` entry, read for use on decoded
// manifest objects (maps and lists as JSON decodes them). Its path takes
// the same spellings as a profile patch's: a JSON pointer, or a dotted
// path with indexes, *, selectors (containers[name=web]) and `..`.
type ObjectPatch struct {
	Op    string // add, replace or remove
	Path  string // as written
	Value any
	segs  []string
}

// ParseObjectPatch checks a kubectl patch's op and path.
func ParseObjectPatch(p KubectlPatch) (ObjectPatch, error) {
	out := ObjectPatch{Op: p.Op, Path: p.Path, Value: p.Value}
	switch p.Op {
	case "":
		out.Op = "replace"
	case "add", "replace", "remove":
	default:
		return out, fmt.Errorf("unknown patch op %q: use add, replace or remove", p.Op)
	}
	if p.Path == "" {
		return out, fmt.Errorf("patch without a path: set `path:` (e.g. spec.replicas)")
	}
	segs, err := parsePatchPath(p.Path)
	if err != nil {
		return out, fmt.Errorf("invalid patch path: %w", err)
	}
	if len(segs) == 0 {
		return out, fmt.Errorf("path %q is the whole object: patch a field of it", p.Path)
	}
	if out.Op != "remove" && p.Value == nil {
		return out, fmt.Errorf("op %s needs a `value:`", out.Op)
	}
	out.segs = segs
	return out, nil
}

// slot is a place in a decoded object: its value and how to replace it.
type slot struct {
	val any
	set func(any)
}

// Apply edits obj and returns how many places the path reached; 0 means
// nothing was changed. add creates missing mapping keys on its way.
// Only a patch from ParseObjectPatch has a path.
func (p ObjectPatch) Apply(obj map[string]any) int {
	if len(p.segs) == 0 {
		return 0
	}
	cur := []slot{{val: obj, set: func(any) {}}}
	for _, seg := range p.segs[:len(p.segs)-1] {
		var next []slot
		for _, s := range cur {
			next = append(next, childSlots(s, seg, p.Op == "add")...)
		}
		cur = next
	}
	hits := 0
	for _, s := range cur {
		hits += p.applyAt(s, p.segs[len(p.segs)-1])
	}
	return hits
}

// childSlots returns the places seg reaches below s.
func childSlots(s slot, seg string, create bool) []slot {
	if seg == descendSeg {
		return append([]slot{s}, descendantSlots(s)...)
	}
	conds, isSel := parseSelector(seg)
	switch v := s.val.(type) {
	case map[string]any:
		if seg == "*" || isSel {
			var out []slot
			for _, k := range slices.Sorted(maps.Keys(v)) {
				if seg == "*" || objSelects(v[k], conds) {
					out = append(out, mapSlot(v, k))
				}
			}
			return out
		}
		if _, ok := v[seg]; !ok || (create && v[seg] == nil) {
			if !create {
				return nil
			}
			v[seg] = map[string]any{}
		}
		return []slot{mapSlot(v, seg)}
	case []any:
		var out []slot
		for i, e := range v {
			if seg == "*" || (isSel && objSelects(e, conds)) || seg == strconv.Itoa(i) {
				out = append(out, listSlot(v, i))
			}
		}
		return out
	}
	return nil
}

func descendantSlots(s slot) []slot {
	var out []slot
	for _, c := range childSlots(s, "*", false) {
		out = append(out, c)
		out = append(out, descendantSlots(c)...)
	}
	return out
}

func mapSlot(m map[string]any, k string) slot {
	return slot{val: m[k], set: func(v any) { m[k] = v }}
}

func listSlot(l []any, i int) slot {
	return slot{val: l[i], set: func(v any) { l[i] = v }}
}

// applyAt applies the patch to the entry key of the container in s.
func (p ObjectPatch) applyAt(s slot, key string) int {
	switch v := s.val.(type) {
	case map[string]any:
		return p.applyInMap(v, key)
	case []any:
		list, hits := p.applyInList(v, key)
		s.set(list)
		return hits
	}
	return 0
}

func (p ObjectPatch) applyInMap(m map[string]any, key string) int {
	conds, isSel := parseSelector(key)
	if key == "*" || isSel {
		hits := 0
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if key == "*" || objSelects(m[k], conds) {
				hits += p.applyInMap(m, k)
			}
		}
		return hits
	}
	_, had := m[key]
	switch {
	case p.Op == "remove" && had:
		delete(m, key)
	case p.Op == "add" || had:
		m[key] = copyValue(p.Value)
	default:
		return 0
	}
	return 1
}

func (p ObjectPatch) applyInList(l []any, key string) ([]any, int) {
	conds, isSel := parseSelector(key)
	if key == "*" || isSel {
		var out []any
		hits := 0
		for _, e := range l {
			if key != "*" && !objSelects(e, conds) {
				out = append(out, e)
				continue
			}
			hits++
			if p.Op != "remove" {
				out = append(out, copyValue(p.Value))
			}
		}
		return out, hits
	}
	if key == "-" && p.Op == "add" {
		return append(l, copyValue(p.Value)), 1
	}
	i, err := strconv.Atoi(key)
	switch {
	case err != nil || i < 0 || i > len(l) || (i == len(l) && p.Op != "add"):
		return l, 0
	case p.Op == "add":
		return slices.Insert(l, i, copyValue(p.Value)), 1
	case p.Op == "remove":
		return slices.Delete(l, i, i+1), 1
	}
	l[i] = copyValue(p.Value)
	return l, 1
}

// objSelects reports whether a decoded value meets one of conds.
func objSelects(v any, conds []cond) bool {
	for _, c := range conds {
		if c.meetsValue(v) {
			return true
		}
	}
	return false
}

func (c cond) meetsValue(v any) bool {
	for _, key := range strings.Split(c.field, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = m[key]; !ok {
			return false
		}
	}
	switch v.(type) {
	case map[string]any, []any, nil:
		return false
	}
	text := fmt.Sprint(v)
	if c.op == '~' {
		re, err := regexp.Compile(c.value)
		return err == nil && re.MatchString(text)
	}
	return text == c.value
}

// copyValue copies maps and lists, so that no two places share them.
func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = copyValue(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}

// checkKubectlPatches refuses, at load time and at the field, kubectl
// patches that cannot apply to any object.
func (c *Config) checkKubectlPatches() error {
	for _, name := range slices.Sorted(maps.Keys(c.Deployments)) {
		d := c.Deployments[name]
		if d == nil || d.Kubectl == nil {
			continue
		}
		for i, p := range d.Kubectl.Patches {
			at := fmt.Sprintf("deployments.%s.kubectl.patches[%d]", name, i)
			if p.Target.Name == "" {
				return c.ErrorAt(at, "patch without a target name: set `target: {name: ...}` (and kind, apiVersion to narrow it)")
			}
			if _, err := ParseObjectPatch(p); err != nil {
				return c.ErrorAt(at, "%v", err)
			}
		}
	}
	return nil
}
