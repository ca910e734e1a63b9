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
)

// ConvertFile converts a DevSpace 5 devspace.yaml into v2beta1 text for the
// user to keep (devspace print --convert). Unlike loading, it keeps the
// ${VAR} references and the profiles: each profile becomes a `replace:` of
// the sections it changes, converted with the profile applied (DevSpace 5
// profiles patch the old layout, which a v2beta1 patch cannot address), so
// its pipelines, too, deploy what the profile deploys. The fields without a
// v2beta1 meaning are named on opts.Stderr and left out.
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
	changedBy := map[string][]string{} // section → profiles that replace it
	for _, d := range defs {
		with, err := convertWith(path, src, opts, d.Name)
		if err != nil {
			r.note("profile %q is left out: it cannot be applied on its own: %v", d.Name, err)
			continue
		}
		r.add(with)
		p, sections, err := profileAsReplace(l, d, base.root, with.root)
		if err != nil {
			return nil, err
		}
		for _, s := range sections {
			changedBy[s] = append(changedBy[s], d.Name)
		}
		profiles = append(profiles, p)
	}
	for _, section := range slices.Sorted(maps.Keys(changedBy)) {
		if names := changedBy[section]; len(names) > 1 {
			r.note("profiles %s all replace `%s`: applied together, the last one's replaces the others' (DevSpace 5 applied each one's patches in turn)",
				strings.Join(names, ", "), section)
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

// profileAsReplace writes a profile as its metadata plus a `replace:` of
// every section its converted tree has different from the base one.
func profileAsReplace(l *loader, d *profileDef, base, with *ast.MappingNode) (ast.Node, []string, error) {
	var sections []string
	out := newOmap(posOf(d.node))
	p := l.obj(d.node, d.path)
	p.copy(out, "name", "description", "parent", "parents", "activation")
	replace := newOmap(posOf(d.node))
	for _, mv := range with.Values {
		section := keyOf(mv)
		old := lookup(base, section)
		same, err := sameValue(old, mv)
		if err != nil {
			return nil, nil, err
		}
		if !same {
			replace.set(section, mv.Value, posOf(mv.Key))
			sections = append(sections, section)
		}
	}
	for _, mv := range base.Values { // sections the profile removed
		if lookup(with, keyOf(mv)) != nil {
			continue
		}
		var empty ast.Node = newMapping(noPos)
		if _, isList := unwrap(mv.Value).(*ast.SequenceNode); isList {
			empty = genList(noPos)
		}
		replace.set(keyOf(mv), empty, noPos)
		sections = append(sections, keyOf(mv))
	}
	if !replace.empty() {
		out.set("replace", replace.m, posOf(d.node))
	}
	return out.m, sections, nil
}

// obj reads a mapping of the loader's tree for profileAsReplace.
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
