package config

import (
	"fmt"
	"reflect"

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
	base, notes, err := convertWith(path, src, opts, "")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, e := range notes {
		seen[e.Error()] = true
	}
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
	for _, d := range defs {
		tree, more, err := convertWith(path, src, opts, d.Name)
		if err != nil {
			return nil, fmt.Errorf("profile %q: %w", d.Name, err)
		}
		for _, e := range more {
			if !seen[e.Error()] {
				seen[e.Error()] = true
				notes = append(notes, e)
			}
		}
		p, err := profileAsReplace(l, d, base, tree)
		if err != nil {
			return nil, err
		}
		profiles = append(profiles, p)
	}
	if len(profiles) > 0 {
		setKey(base, newEntry("profiles", genList(noPos, profiles...), noPos))
	}
	if opts.Stderr != nil {
		for _, e := range notes {
			fmt.Fprintf(opts.Stderr, "left out: %s: %s\n", e.Pos, e.Msg)
		}
	}
	var ordered yaml.MapSlice
	if err := yaml.NodeToValue(base, &ordered, yaml.UseOrderedMap()); err != nil {
		return nil, fmt.Errorf("convert %s: %w", displayPath(path), err)
	}
	return yaml.MarshalWithOptions(ordered, yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(true))
}

// convertWith converts the file with one profile applied (none for ""),
// without resolving variables.
func convertWith(path string, src []byte, opts LoadOptions, profile string) (*ast.MappingNode, []*Error, error) {
	opts.Profiles, opts.DisableProfileActivation, opts.Convert = nil, true, true
	if profile != "" {
		opts.Profiles = []string{profile}
	}
	l := &loader{path: path, src: src, opts: opts, noCommands: true}
	if err := l.parse(); err != nil {
		return nil, nil, err
	}
	version, err := l.readVersion()
	if err != nil {
		return nil, nil, err
	}
	if version == "" {
		return nil, nil, fmt.Errorf("%s is already version %s: there is nothing to convert", displayPath(path), SchemaVersion)
	}
	early := l.dropLegacyProfileFields()
	if err := l.normalize(); err != nil {
		return nil, nil, err
	}
	if _, err := l.applyProfiles(); err != nil {
		return nil, nil, err
	}
	if err := l.convertLegacyVars(version); err != nil {
		return nil, nil, err
	}
	notes, err := l.convertLegacy(version)
	if err != nil {
		return nil, nil, err
	}
	root, err := l.rootMapping()
	return root, append(early, notes...), err
}

// profileAsReplace writes a profile as its metadata plus a `replace:` of
// every section its converted tree has different from the base one.
func profileAsReplace(l *loader, d *profileDef, base, with *ast.MappingNode) (ast.Node, error) {
	out := newOmap(posOf(d.node))
	p := l.obj(d.node, d.path)
	p.copy(out, "name", "description", "parent", "parents", "activation")
	replace := newOmap(posOf(d.node))
	for _, mv := range with.Values {
		section := keyOf(mv)
		old := lookup(base, section)
		same, err := sameValue(old, mv)
		if err != nil {
			return nil, err
		}
		if !same {
			replace.set(section, mv.Value, posOf(mv.Key))
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
	}
	if !replace.empty() {
		out.set("replace", replace.m, posOf(d.node))
	}
	return out.m, nil
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
