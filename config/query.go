package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

// Query reads the value at path (`deployments.app.helm.values.image`,
// `images["my.app"].tags[0]`, optionally `$.`-prefixed as in DevSpace) in
// the config after variables and profiles, formatted as get_config_value
// prints it: a scalar as is, a mapping or list as YAML, null as nothing.
// A path that does not exist is an error naming the first missing step.
func (c *Config) Query(path string) (string, error) {
	segs, err := parseConfigPath(path)
	if err != nil {
		return "", err
	}
	v, err := walkConfig(c.Raw, segs)
	if err != nil {
		return "", err
	}
	out, err := formatConfigValue(v)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// pathSeg is one step of a config path: a mapping key or a list index.
type pathSeg struct {
	key   string
	index int // -1 for a key
	// upTo is the path up to and including this step, for messages.
	upTo string
}

// parseConfigPath splits `a.b[0].c` (optionally prefixed with `$.` as in
// DevSpace's jsonpath syntax) into steps. Keys that contain dots can be
// written quoted in brackets: `vars["my.var"]`.
func parseConfigPath(path string) ([]pathSeg, error) {
	p := strings.TrimPrefix(strings.TrimPrefix(path, "$"), ".")
	bad := func(why string) error { return fmt.Errorf("invalid path %q: %s", path, why) }
	var segs []pathSeg
	add := func(key string, index int, end int) {
		segs = append(segs, pathSeg{key: key, index: index, upTo: strings.TrimSuffix(path, p[end:])})
	}
	for i := 0; i < len(p); {
		switch p[i] {
		case '.':
			if i == 0 || i+1 == len(p) || p[i+1] == '.' || p[i+1] == '[' {
				return nil, bad("empty key")
			}
			i++
		case '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil, bad("missing ]")
			}
			inner := p[i+1 : i+end]
			if key, ok := quotedKey(inner); ok {
				add(key, -1, i+end+1)
			} else if n, err := strconv.Atoi(inner); err == nil && n >= 0 {
				add("", n, i+end+1)
			} else {
				return nil, bad(fmt.Sprintf("[%s] is neither a list index nor a quoted key", inner))
			}
			i += end + 1
		default:
			end := strings.IndexAny(p[i:], ".[")
			if end < 0 {
				end = len(p) - i
			}
			add(p[i:i+end], -1, i+end)
			i += end
		}
	}
	if len(segs) == 0 {
		return nil, bad("it is empty")
	}
	return segs, nil
}

// quotedKey reads the inside of ["key"] or ['key'].
func quotedKey(s string) (string, bool) {
	if len(s) < 2 || s[0] != s[len(s)-1] || (s[0] != '"' && s[0] != '\'') {
		return "", false
	}
	return s[1 : len(s)-1], true
}

// walkConfig follows segs from root and names the first step that fails.
func walkConfig(root any, segs []pathSeg) (any, error) {
	v := root
	for _, s := range segs {
		switch node := v.(type) {
		case map[string]any:
			if s.index >= 0 {
				return nil, fmt.Errorf("%s: not a list but a mapping (use .KEY)", s.upTo)
			}
			next, ok := node[s.key]
			if !ok {
				return nil, fmt.Errorf("%s: no such key (%s)", s.upTo, keyList(node))
			}
			v = next
		case []any:
			if s.index < 0 {
				return nil, fmt.Errorf("%s: not a mapping but a list (use [INDEX])", s.upTo)
			}
			if s.index >= len(node) {
				return nil, fmt.Errorf("%s: index %d out of range (%d items)", s.upTo, s.index, len(node))
			}
			v = node[s.index]
		case nil:
			return nil, fmt.Errorf("%s: no such key: the value before it is null", s.upTo)
		default:
			return nil, fmt.Errorf("%s: the value before it is a scalar (%v), not a mapping or list", s.upTo, formatScalar(node))
		}
	}
	return v, nil
}

// keyList describes a mapping's keys for an error message.
func keyList(m map[string]any) string {
	if len(m) == 0 {
		return "the mapping is empty"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	const most = 20
	if len(keys) > most {
		return fmt.Sprintf("keys: %s, … (%d more)", strings.Join(keys[:most], ", "), len(keys)-most)
	}
	return "keys: " + strings.Join(keys, ", ")
}

// formatConfigValue prints null as nothing, a scalar as its text and a
// mapping or list as YAML.
func formatConfigValue(v any) (string, error) {
	switch v.(type) {
	case nil:
		return "", nil
	case map[string]any, []any:
		out, err := yaml.Marshal(v)
		return string(out), err
	}
	return formatScalar(v), nil
}

func formatScalar(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	}
	return fmt.Sprint(v)
}
