package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

// SetValues are a builtin's --set, --set-string, --from and --from-file
// flags, which patch objects of one config section (images.NAME,
// deployments.NAME, …) for that call only, as in DevSpace.
type SetValues struct {
	Set, SetString, From, FromFile []string
}

// Empty reports whether no value was given.
func (s SetValues) Empty() bool {
	return len(s.Set)+len(s.SetString)+len(s.From)+len(s.FromFile) == 0
}

// PatchObject returns the raw object section.name with the values applied,
// in DevSpace's order: --from-file, --from, --set, --set-string. A value
// "OBJ:rest" applies only to object OBJ (unless the part before the colon
// holds '.' or '='); other values apply to every object of the call. A
// missing object starts empty, so values can create one.
func (c *Config) PatchObject(section, name string, s SetValues) (map[string]any, error) {
	obj := map[string]any{}
	if sec, ok := c.Raw[section].(map[string]any); ok {
		if cur, ok := sec[name].(map[string]any); ok {
			obj = deepCopy(cur).(map[string]any)
		}
	}
	for _, v := range scoped(s.FromFile, name) {
		var m map[string]any
		if err := decodeFile(v, &m); err != nil {
			return nil, fmt.Errorf("--from-file %s: %w", v, err)
		}
		MergeMaps(obj, m)
	}
	for _, v := range scoped(s.From, name) {
		other, ok := c.Raw[section].(map[string]any)[v].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("--from %s: there is no %s.%s", v, section, v)
		}
		MergeMaps(obj, deepCopy(other).(map[string]any))
	}
	for _, group := range []struct {
		values  []string
		flag    string
		literal bool
	}{{s.Set, "--set", false}, {s.SetString, "--set-string", true}} {
		for _, v := range scoped(group.values, name) {
			if err := setPath(obj, v, group.literal); err != nil {
				return nil, fmt.Errorf("%s %q: %w", group.flag, v, err)
			}
		}
	}
	return obj, nil
}

// DecodeObject decodes a raw object (from PatchObject) strictly into out,
// e.g. an *Image.
func DecodeObject(obj map[string]any, out any) error {
	data, err := yaml.Marshal(obj)
	if err != nil {
		return err
	}
	return yaml.UnmarshalWithOptions(data, out, yaml.DisallowUnknownField())
}

// scoped returns the values that apply to object name, without their
// "name:" scope.
func scoped(values []string, name string) []string {
	var out []string
	for _, v := range values {
		scope, rest, ok := strings.Cut(v, ":")
		if !ok || strings.ContainsAny(scope, ".=") {
			out = append(out, v)
		} else if scope == name {
			out = append(out, rest)
		}
	}
	return out
}

// setPath applies one `a.b[0].c=value` assignment. Unless literal, the
// value is typed like YAML (true, 3, null) and `{x,y}` is a list.
func setPath(obj map[string]any, assignment string, literal bool) error {
	path, raw, ok := strings.Cut(assignment, "=")
	if !ok || path == "" {
		return fmt.Errorf("expected PATH=VALUE")
	}
	var value any = raw
	if !literal {
		value = typedValue(raw)
	}
	segs, err := splitSetPath(path)
	if err != nil {
		return err
	}
	var cur any = obj
	for i, seg := range segs {
		last := i == len(segs)-1
		next, err := step(cur, seg, last, value, segs, i)
		if err != nil {
			return err
		}
		cur = next
	}
	return nil
}

type setSeg struct {
	key   string
	index int // -1 for a map key
}

func splitSetPath(path string) ([]setSeg, error) {
	var segs []setSeg
	for _, part := range strings.Split(path, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key == "" && rest == "" {
			return nil, fmt.Errorf("empty segment in %q", path)
		}
		if key != "" {
			segs = append(segs, setSeg{key: key, index: -1})
		}
		for rest != "" {
			num, after, ok := strings.Cut(rest, "]")
			n, err := strconv.Atoi(num)
			if !ok || err != nil || n < 0 {
				return nil, fmt.Errorf("bad index in %q", path)
			}
			segs = append(segs, setSeg{index: n})
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return segs, nil
}

// step walks (and creates) one segment; on the last it stores value.
func step(cur any, seg setSeg, last bool, value any, segs []setSeg, i int) (any, error) {
	if seg.index >= 0 {
		ref, ok := cur.(listRef)
		if !ok {
			return nil, fmt.Errorf("index [%d] must follow a key", seg.index)
		}
		list := ref.m[ref.key].([]any)
		if last {
			list[seg.index] = value
			return nil, nil
		}
		if segs[i+1].index >= 0 {
			return nil, fmt.Errorf("lists of lists are not supported")
		}
		elem, ok := list[seg.index].(map[string]any)
		if !ok {
			elem = map[string]any{}
			list[seg.index] = elem
		}
		return elem, nil
	}
	m, ok := cur.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: not a mapping", seg.key)
	}
	if last {
		m[seg.key] = value
		return nil, nil
	}
	if segs[i+1].index >= 0 {
		return autoGrow(m, seg.key, segs[i+1].index), nil
	}
	child, ok := m[seg.key].(map[string]any)
	if !ok {
		child = map[string]any{}
		m[seg.key] = child
	}
	return child, nil
}

// autoGrow makes m[key] a list with at least index+1 items.
func autoGrow(m map[string]any, key string, index int) listRef {
	list, _ := m[key].([]any)
	for len(list) <= index {
		list = append(list, nil)
	}
	m[key] = list
	return listRef{m: m, key: key}
}

// listRef lets the next step index into a list stored in a map.
type listRef struct {
	m   map[string]any
	key string
}

func typedValue(s string) any {
	if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
		var out []any
		for _, item := range strings.Split(s[1:len(s)-1], ",") {
			out = append(out, typedValue(item))
		}
		return out
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	return s
}

// MergeMaps merges src into dst: maps deeply, anything else replaced (the
// way --from-file merges, and Helm merges values files).
func MergeMaps(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				MergeMaps(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}

// PatchImage returns images.NAME with the values applied, decoded and
// normalised like a loaded image (older `build:` block folded, a tag in
// `image:` moved to tags). The config itself is not changed.
func (c *Config) PatchImage(name string, s SetValues) (*Image, error) {
	obj, err := c.PatchObject("images", name, s)
	if err != nil {
		return nil, fmt.Errorf("images.%s: %w", name, err)
	}
	img := &Image{}
	if err := DecodeObject(obj, img); err != nil {
		return nil, fmt.Errorf("images.%s after --set: %w", name, err)
	}
	img.Name = name
	img.foldLegacy()
	if img.Image == "" {
		return nil, fmt.Errorf("images.%s has no image: set one with --set image=REPOSITORY", name)
	}
	if repo, tag, ok := splitTag(img.Image); ok {
		img.Image = repo
		img.Tags = append([]string{tag}, img.Tags...)
	}
	return img, nil
}

// PatchDeployment returns deployments.NAME with the values applied (a
// --from or --set may create it). The config itself is not changed.
func (c *Config) PatchDeployment(name string, s SetValues) (*Deployment, error) {
	obj, err := c.PatchObject("deployments", name, s)
	if err != nil {
		return nil, fmt.Errorf("deployments.%s: %w", name, err)
	}
	dep := &Deployment{}
	if err := DecodeObject(obj, dep); err != nil {
		return nil, fmt.Errorf("deployments.%s after --set: %w", name, err)
	}
	dep.Name = name
	return dep, nil
}

// PatchDev returns dev.NAME with the values applied (a --from or --set
// may create it). The config itself is not changed.
func (c *Config) PatchDev(name string, s SetValues) (*DevPod, error) {
	obj, err := c.PatchObject("dev", name, s)
	if err != nil {
		return nil, fmt.Errorf("dev.%s: %w", name, err)
	}
	p := &DevPod{}
	if err := DecodeObject(obj, p); err != nil {
		return nil, fmt.Errorf("dev.%s after --set: %w", name, err)
	}
	p.Name = name
	return p, nil
}
