package replace

import (
	"fmt"
	"strconv"
	"strings"
)

// Patch is one dev.*.patches entry: a JSON-patch-like operation on the
// replaced pod (its template: metadata and spec), as DevSpace applies
// them. Path is a JSON pointer (/spec/containers/0/image) or DevSpace's
// dotted form (spec.containers[0].image), where a list item may also be
// picked by name: spec.containers[name=app].
type Patch struct {
	Op    string // add, replace or remove
	Path  string
	Value any
}

// applyPatches applies patches in order; an error names the patch.
func applyPatches(pod map[string]any, patches []Patch) error {
	for i, p := range patches {
		tokens, err := pathTokens(p.Path)
		if err != nil {
			return fmt.Errorf("patches[%d]: %w", i, err)
		}
		if err := applyPatch(pod, p, tokens); err != nil {
			return fmt.Errorf("patches[%d] (%s %s): %w", i, p.Op, p.Path, err)
		}
	}
	return nil
}

// pathTokens splits a JSON pointer or a dotted path into its steps.
func pathTokens(path string) ([]string, error) {
	if path == "" || path == "/" {
		return nil, fmt.Errorf("path %q names the whole pod: name a field", path)
	}
	if strings.HasPrefix(path, "/") {
		parts := strings.Split(path[1:], "/")
		for i, p := range parts {
			parts[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(p)
		}
		return parts, nil
	}
	var out []string
	for _, seg := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(seg, "[")
		if name != "" {
			out = append(out, name)
		}
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			if !ok || idx == "" {
				return nil, fmt.Errorf("path %q: unbalanced [ ]", path)
			}
			out = append(out, "["+idx+"]")
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return out, nil
}

func applyPatch(node any, p Patch, tokens []string) error {
	for len(tokens) > 1 {
		next, err := step(node, tokens[0], p.Op == "add")
		if err != nil {
			return err
		}
		node, tokens = next, tokens[1:]
	}
	last := tokens[0]
	switch n := node.(type) {
	case map[string]any:
		_, exists := n[last]
		switch {
		case p.Op == "remove" || p.Op == "replace":
			if !exists {
				return fmt.Errorf("%s does not exist", last)
			}
		case p.Op != "add":
			return fmt.Errorf("unknown op %q: use add, replace or remove", p.Op)
		}
		if p.Op == "remove" {
			delete(n, last)
		} else {
			n[last] = p.Value
		}
		return nil
	case listHolder:
		return n.apply(p, last)
	}
	return fmt.Errorf("%s: not inside an object or list", last)
}

// apply adds ("-" or "[-]" appends, an index inserts), replaces or removes
// one item of the list.
func (h listHolder) apply(p Patch, token string) error {
	if p.Op == "add" && strings.Trim(token, "[]") == "-" {
		h.parent[h.key] = append(h.list, p.Value)
		return nil
	}
	i, err := h.index(token)
	if err != nil && !(p.Op == "add" && strings.Trim(token, "[]") == strconv.Itoa(len(h.list))) {
		return err
	}
	if err != nil {
		i = len(h.list)
	}
	switch p.Op {
	case "add":
		h.parent[h.key] = append(h.list[:i:i], append([]any{p.Value}, h.list[i:]...)...)
	case "replace":
		h.list[i] = p.Value
	case "remove":
		h.parent[h.key] = append(h.list[:i:i], h.list[i+1:]...)
	default:
		return fmt.Errorf("unknown op %q: use add, replace or remove", p.Op)
	}
	return nil
}

// step goes one level down; add creates missing objects on the way.
func step(node any, token string, create bool) (any, error) {
	switch n := node.(type) {
	case map[string]any:
		child, ok := n[token]
		if !ok || child == nil {
			if !create {
				return nil, fmt.Errorf("%s does not exist", token)
			}
			child = map[string]any{}
			n[token] = child
		}
		// A list is stepped into by its index token next: return a
		// holder that lets the item be replaced in place.
		if list, ok := child.([]any); ok {
			return listHolder{parent: n, key: token, list: list}, nil
		}
		return child, nil
	case listHolder:
		i, err := n.index(token)
		if err != nil {
			return nil, err
		}
		return n.list[i], nil
	}
	return nil, fmt.Errorf("%s: not inside an object or list", token)
}

// listHolder is a list reached by a step, with where it lives.
type listHolder struct {
	parent map[string]any
	key    string
	list   []any
}

// index resolves "[2]", "2" or "[name=app]".
func (h listHolder) index(token string) (int, error) {
	t := strings.TrimSuffix(strings.TrimPrefix(token, "["), "]")
	if k, v, ok := strings.Cut(t, "="); ok {
		for i, item := range h.list {
			if m, _ := item.(map[string]any); m != nil && fmt.Sprint(m[k]) == v {
				return i, nil
			}
		}
		return 0, fmt.Errorf("%s has no item with %s=%s", h.key, k, v)
	}
	i, err := strconv.Atoi(t)
	if err != nil || i < 0 || i >= len(h.list) {
		return 0, fmt.Errorf("%s has no item %s (it has %d)", h.key, t, len(h.list))
	}
	return i, nil
}
