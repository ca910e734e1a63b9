package config

import (
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// ConvertFile converts a DevSpace 5 devspace.yaml into v2beta1 text for the
// user to keep (devspace print --convert). Unlike loading, it keeps the
// ${VAR} references and the profiles: each profile becomes the patches
// from the base conversion to the conversion with the profile applied
// (DevSpace 5 profiles patch the old layout, which a v2beta1 patch cannot
// address), so its pipelines, too, deploy what the profile deploys. The
// fields without a v2beta1 meaning are named on opts.Stderr and left out.
func ConvertFile(opts LoadOptions) ([]byte, error) {
	path, err := Find(opts)
	if err != nil {
		return nil, err
	}
	src, err := readFile(path)
	if err != nil {
		return nil, err
	}
	base, err := convertWith(path, src, opts, "")
	if err != nil {
		return nil, err
	}
	r := &convertReport{seen: map[string]bool{}}
	r.add(base)
	l := &loader{path: path, src: src, opts: opts}
	if err := l.parse(); err != nil {
		return nil, err
	}
	l.dropLegacyProfileFields()
	defs, err := l.profileDefs()
	if err != nil {
		return nil, err
	}
	var profiles []ast.Node
	changedBy := map[string][]string{} // path → profiles that patch it
	for _, d := range defs {
		with, err := convertWith(path, src, opts, d.Name)
		if err != nil {
			r.note("profile %q is left out: it cannot be applied on its own: %v", d.Name, err)
			continue
		}
		r.add(with)
		p, paths, err := profileAsPatches(l, d, base.root, with.root)
		if err != nil {
			return nil, err
		}
		for _, path := range paths {
			changedBy[path] = append(changedBy[path], d.Name)
		}
		profiles = append(profiles, p)
	}
	for _, path := range slices.Sorted(maps.Keys(changedBy)) {
		if names := changedBy[path]; len(names) > 1 {
			r.note("profiles %s all set %s: applied together, the last one's value wins (DevSpace 5 applied each one's patches in turn)",
				strings.Join(names, ", "), path)
		}
	}
	if len(profiles) > 0 {
		setKey(base.root, newEntry("profiles", genList(noPos, profiles...), noPos))
	}
	if opts.Stderr != nil {
		r.print(opts.Stderr)
	}
	var ordered yaml.MapSlice
	if err := yaml.NodeToValue(base.root, &ordered, yaml.UseOrderedMap()); err != nil {
		return nil, fmt.Errorf("convert %s: %w", displayPath(path), err)
	}
	return yaml.MarshalWithOptions(ordered, yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(true))
}

// converted is one conversion of the file and what it had to say.
type converted struct {
	root           *ast.MappingNode
	dropped, notes []*Error
}

// convertReport collects what the conversions left out or could not
// decide, each once.
type convertReport struct {
	seen  map[string]bool
	lines []string
}

func (r *convertReport) add(c *converted) {
	for _, e := range c.dropped {
		r.line(fmt.Sprintf("left out: %s: %s", e.Pos, e.Msg))
	}
	for _, e := range c.notes {
		r.line(fmt.Sprintf("note: %s: %s", e.Pos, e.Msg))
	}
}

func (r *convertReport) note(format string, args ...any) {
	r.line("note: " + fmt.Sprintf(format, args...))
}

func (r *convertReport) line(s string) {
	if !r.seen[s] {
		r.seen[s] = true
		r.lines = append(r.lines, s)
	}
}

func (r *convertReport) print(w io.Writer) {
	for _, s := range r.lines {
		fmt.Fprintln(w, s)
	}
}

// convertWith converts the file with one profile applied (none for ""),
// without resolving variables.
func convertWith(path string, src []byte, opts LoadOptions, profile string) (*converted, error) {
	opts.Profiles, opts.DisableProfileActivation = nil, true
	if profile != "" {
		opts.Profiles = []string{profile}
	}
	l := &loader{path: path, src: src, opts: opts, noCommands: true}
	if err := l.parse(); err != nil {
		return nil, err
	}
	version, err := l.readVersion()
	if err != nil {
		return nil, err
	}
	if version == "" {
		return nil, fmt.Errorf("%s is already version %s: there is nothing to convert", displayPath(path), SchemaVersion)
	}
	early := l.dropLegacyProfileFields()
	if err := l.normalize(); err != nil {
		return nil, err
	}
	if _, err := l.applyProfiles(); err != nil {
		return nil, err
	}
	if err := l.convertLegacyVars(version); err != nil {
		return nil, err
	}
	dropped, notes, err := l.convertLegacy(version)
	if err != nil {
		return nil, err
	}
	root, err := l.rootMapping()
	return &converted{root: root, dropped: append(early, dropped...), notes: notes}, err
}

// profileAsPatches writes a profile as its metadata plus the patches that
// turn the base conversion into the one with the profile applied: one per
// entry of a map section that it adds, changes or removes, one per other
// section. Entry by entry, profiles that add different deployments can
// still be applied together, as DevSpace 5's could. It returns the paths.
func profileAsPatches(l *loader, d *profileDef, base, with *ast.MappingNode) (ast.Node, []string, error) {
	out := newOmap(posOf(d.node))
	l.obj(d.node, d.path).copy(out, "name", "description", "parent", "parents", "activation")
	patches := genList(posOf(d.node))
	var paths []string
	emit := func(op, path string, value ast.Node, pos *token.Position) {
		p := newOmap(pos)
		p.set("op", genStr(op, pos), pos)
		p.set("path", genStr(path, pos), pos)
		p.set("value", value, pos)
		appendElem(patches, p.m)
		paths = append(paths, path)
	}
	for _, mv := range with.Values {
		section, pos := keyOf(mv), posOf(mv.Key)
		old := lookup(base, section)
		if old == nil {
			emit("add", pointer(section), mv.Value, pos)
			continue
		}
		if same, err := sameValue(old, mv); err != nil || same {
			if err != nil {
				return nil, nil, err
			}
			continue
		}
		oldMap, isMap := unwrap(old.Value).(*ast.MappingNode)
		newMap, isMapToo := unwrap(mv.Value).(*ast.MappingNode)
		if !isMap || !isMapToo {
			emit("replace", pointer(section), mv.Value, pos)
			continue
		}
		for _, e := range newMap.Values {
			was := lookup(oldMap, keyOf(e))
			switch same, err := sameValue(was, e); {
			case err != nil:
				return nil, nil, err
			case was == nil:
				emit("add", pointer(section, keyOf(e)), e.Value, posOf(e.Key))
			case !same:
				emit("replace", pointer(section, keyOf(e)), e.Value, posOf(e.Key))
			}
		}
		for _, e := range oldMap.Values {
			if lookup(newMap, keyOf(e)) == nil {
				emit("remove", pointer(section, keyOf(e)), nil, pos)
			}
		}
	}
	for _, mv := range base.Values {
		if lookup(with, keyOf(mv)) == nil {
			emit("remove", pointer(keyOf(mv)), nil, posOf(d.node))
		}
	}
	if len(patches.Values) > 0 {
		out.set("patches", patches, posOf(d.node))
	}
	return out.m, paths, nil
}

// pointer is a JSON-pointer path of keys.
func pointer(keys ...string) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("/" + strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// obj reads a mapping of the loader's tree for profileAsPatches.
func (l *loader) obj(n ast.Node, path string) *obj {
	return (&converter{l: l}).obj(n, path)
}

func sameValue(a, b *ast.MappingValueNode) (bool, error) {
	if a == nil || b == nil {
		return a == b, nil
	}
	var av, bv any
	if err := yaml.NodeToValue(a.Value, &av); err != nil {
		return false, err
	}
	if err := yaml.NodeToValue(b.Value, &bv); err != nil {
		return false, err
	}
	return reflect.DeepEqual(av, bv), nil
}
