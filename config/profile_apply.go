package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// fixedSections cannot be changed by a profile: the version was checked
// before profiles ran, and profiles are read before any is applied.
var fixedSections = map[string]bool{"version": true, "profiles": true}

type profileApplier struct {
	l       *loader
	defs    map[string]*profileDef
	applied map[string]bool
}

// apply applies a profile after its parents. chain is the profiles being
// applied further up, to report a parent cycle.
func (a *profileApplier) apply(name string, chain []string) error {
	if a.applied[name] {
		return nil
	}
	d := a.defs[name]
	chain = append(chain, name)
	for _, parent := range a.parents(d) {
		if err := a.applyParent(d, parent, chain); err != nil {
			return err
		}
	}
	if err := a.edit(d); err != nil {
		return err
	}
	a.applied[name] = true
	return nil
}

type parentRef struct {
	name, path string
	source     *SourceConfig
}

// parents lists `parent` and then `parents[]`, in that order.
func (a *profileApplier) parents(d *profileDef) []parentRef {
	var out []parentRef
	if d.Parent != "" {
		out = append(out, parentRef{name: d.Parent, path: d.path + ".parent"})
	}
	for i, p := range d.Parents {
		out = append(out, parentRef{name: p.Profile, path: fmt.Sprintf("%s.parents[%d].profile", d.path, i), source: p.Source})
	}
	return out
}

func (a *profileApplier) applyParent(d *profileDef, p parentRef, chain []string) error {
	l := a.l
	switch {
	case p.source != nil:
		return a.applyExternal(d, p)
	case a.defs[p.name] == nil:
		return l.errorAtPath(p.path, "profile %q: parent profile %q not found", d.Name, p.name)
	case slices.Contains(chain, p.name):
		cycle := append(slices.Clone(chain[slices.Index(chain, p.name):]), p.name)
		return l.errorAtPath(p.path, "profile parents form a cycle: %s", strings.Join(cycle, " -> "))
	}
	return a.apply(p.name, chain)
}

// applyExternal applies a parent profile defined in another config (its
// `source:` follows the rules of imports). That profile's own parents are
// looked up in its config.
func (a *profileApplier) applyExternal(d *profileDef, p parentRef) error {
	at := strings.TrimSuffix(p.path, ".profile") + ".source"
	sub, err := a.l.loadSource(*p.source, at)
	if err != nil {
		return err
	}
	defs, err := sub.profileDefs()
	if err != nil {
		return err
	}
	// The profiles' paths get a prefix naming their config, so that errors
	// about them are positioned in its tree (see errorAtPath).
	prefix := fmt.Sprintf("@%d:", sub.base/lineStride)
	if a.l.elsewhere == nil {
		a.l.elsewhere = map[string]*loader{}
	}
	a.l.elsewhere[prefix] = sub
	other := &profileApplier{l: a.l, defs: map[string]*profileDef{}, applied: map[string]bool{}}
	for _, def := range defs {
		def.path = prefix + def.path
		other.defs[def.Name] = def
	}
	if other.defs[p.name] == nil {
		return a.l.errorAtPath(p.path, "profile %q: parent profile %q not found in %s", d.Name, p.name, displayPath(sub.path))
	}
	return other.apply(p.name, nil)
}

// edit applies one profile's own changes: replace, then merge, then patches.
func (a *profileApplier) edit(d *profileDef) error {
	l := a.l
	root, err := l.rootMapping()
	if err != nil {
		return err
	}
	replace, err := profilePart[*ast.MappingNode](l, d, "replace")
	if err != nil {
		return err
	}
	merge, err := profilePart[*ast.MappingNode](l, d, "merge")
	if err != nil {
		return err
	}
	patches, err := profilePart[*ast.SequenceNode](l, d, "patches")
	if err != nil {
		return err
	}
	if replace != nil {
		for _, entry := range replace.Values {
			if err := l.checkSection(entry); err != nil {
				return err
			}
			setKey(root, cloneEntry(entry))
		}
	}
	if merge != nil {
		for _, entry := range merge.Values {
			if err := l.checkSection(entry); err != nil {
				return err
			}
		}
		mergeInto(ref{node: root, set: func(n ast.Node) { l.root = n }}, merge)
	}
	if patches != nil {
		return l.applyPatches(d, patches)
	}
	return nil
}

// profilePart returns a profile's `key:` node, or nil when it is absent or
// null. Decoding checked its type, so another node kind is a YAML alias,
// which the tree edits cannot follow.
func profilePart[T ast.Node](l *loader, d *profileDef, key string) (T, error) {
	var zero T
	mv := lookup(d.node, key)
	if mv == nil || isNull(mv.Value) {
		return zero, nil
	}
	n, ok := unwrap(mv.Value).(T)
	if !ok {
		return zero, l.errorAtPath(d.path+"."+key, "profile %q: write `%s` out here; YAML aliases are not supported in profiles", d.Name, key)
	}
	return n, nil
}

func (l *loader) applyPatches(d *profileDef, seq *ast.SequenceNode) error {
	for i, item := range seq.Values {
		p, err := l.readPatch(item, fmt.Sprintf("%s.patches[%d]", d.path, i))
		if err != nil {
			return err
		}
		if len(p.path) > 0 && fixedSections[p.path[0]] {
			return l.patchErr(p, "a profile cannot change `%s`", p.path[0])
		}
		root := ref{node: l.root, set: func(n ast.Node) { l.root = n }}
		if err := l.applyPatch(root, p); err != nil {
			return err
		}
	}
	return nil
}

// readPatch takes a patch's op, path and value from its node.
func (l *loader) readPatch(item ast.Node, path string) (patch, error) {
	p := patch{op: "replace", pathPos: posOf(item)}
	if mv := lookup(item, "op"); mv != nil {
		op, _ := scalarText(mv.Value)
		switch op {
		case "add", "replace", "remove":
			p.op = op
		case "":
		default:
			return p, l.errorAtPath(path+".op", "unknown patch op %q: use add, replace or remove", op)
		}
	}
	mv := lookup(item, "path")
	if mv == nil {
		return p, l.errorAtPath(path, "patch without a path: set `path:` (e.g. images.app.image)")
	}
	p.pathText, _ = scalarText(mv.Value)
	p.pathPos = posOf(mv.Value)
	p.pointer = strings.HasPrefix(p.pathText, "/")
	segs, err := parsePatchPath(p.pathText)
	if err != nil {
		return p, l.patchErr(p, "invalid patch path: %v", err)
	}
	p.path = segs
	if v := lookup(item, "value"); v != nil {
		p.value = v.Value
	}
	return p, nil
}

func (l *loader) checkSection(entry *ast.MappingValueNode) error {
	if key := keyOf(entry); fixedSections[key] {
		p := posOf(entry.Key)
		return l.errorf(p.Line, p.Column, "a profile cannot change `%s`", key)
	}
	return nil
}

// rootMapping returns the top-level mapping, turning a lone key/value node
// into a mapping so that profiles can add sections.
func (l *loader) rootMapping() (*ast.MappingNode, error) {
	switch v := unwrap(l.root).(type) {
	case *ast.MappingNode:
		return v, nil
	case *ast.MappingValueNode:
		m := newMapping(posOf(v))
		m.Values = append(m.Values, v)
		l.root = m
		return m, nil
	}
	return nil, l.errorf(1, 1, "the top level must be a mapping")
}
