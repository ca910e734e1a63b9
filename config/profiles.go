package config

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// profileDef is a profile's decoded metadata plus its node in the tree; the
// edits are taken from the node so that they keep their positions.
type profileDef struct {
	*Profile
	node ast.Node
	path string // "profiles[2]", for positions
}

// applyProfiles applies the profiles whose activation rules match (unless
// disabled) and then those selected with -p, in order, each after its
// parents, and returns the names of the selected ones. A profile is applied
// at most once, even when it is selected twice or is a parent of several.
func (l *loader) applyProfiles() ([]string, error) {
	defs, err := l.profileDefs()
	if err != nil {
		return nil, err
	}
	selected, err := l.selectProfiles(defs)
	if err != nil {
		return nil, err
	}
	a := &profileApplier{l: l, defs: map[string]*profileDef{}, applied: map[string]bool{}}
	for _, d := range defs {
		a.defs[d.Name] = d
	}
	for _, name := range selected {
		if err := a.apply(name, nil); err != nil {
			return nil, err
		}
	}
	return selected, nil
}

// profileDefs decodes `profiles:` strictly and pairs each entry with its node.
func (l *loader) profileDefs() ([]*profileDef, error) {
	var profiles []*Profile
	if err := l.decodeSection("profiles", &profiles); err != nil {
		return nil, err
	}
	if len(profiles) == 0 {
		return nil, nil
	}
	seq, ok := unwrap(lookup(l.root, "profiles").Value).(*ast.SequenceNode)
	if !ok || len(seq.Values) != len(profiles) {
		return nil, l.errorAtPath("profiles", "write the profiles out here; YAML aliases are not supported in `profiles`")
	}
	seen := map[string]bool{}
	defs := make([]*profileDef, len(profiles))
	for i, p := range profiles {
		path := fmt.Sprintf("profiles[%d]", i)
		if p == nil || p.Name == "" {
			return nil, l.errorAtPath(path, "profile without a name: set `name:`")
		}
		if seen[p.Name] {
			return nil, l.errorAtPath(path+".name", "profile %q is defined twice", p.Name)
		}
		seen[p.Name] = true
		defs[i] = &profileDef{Profile: p, node: seq.Values[i], path: path}
	}
	return defs, nil
}

// selectProfiles lists activated profiles in file order, then -p ones.
func (l *loader) selectProfiles(defs []*profileDef) ([]string, error) {
	var names []string
	add := func(name string) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	if !l.opts.DisableProfileActivation {
		for _, d := range defs {
			on, err := l.activated(d)
			if err != nil {
				return nil, err
			}
			if on {
				add(d.Name)
			}
		}
	}
	for _, name := range l.opts.Profiles {
		if !slices.ContainsFunc(defs, func(d *profileDef) bool { return d.Name == name }) {
			return nil, l.profileNotFound(name, defs)
		}
		add(name)
	}
	return names, nil
}

func (l *loader) profileNotFound(name string, defs []*profileDef) error {
	file := filepath.Base(l.path)
	if len(defs) == 0 {
		return fmt.Errorf("profile %q not found: %s defines no profiles", name, file)
	}
	names := make([]string, len(defs))
	for i, d := range defs {
		names[i] = d.Name
	}
	return fmt.Errorf("profile %q not found; profiles in %s: %s", name, file, strings.Join(names, ", "))
}

// activated reports whether one of the profile's activation entries matches:
// every pattern of an entry must match, anchored, the environment variable
// (env) or the --var value, falling back to the environment (vars).
func (l *loader) activated(d *profileDef) (bool, error) {
	flags, err := parseVarFlags(l.opts.Vars)
	if err != nil {
		return false, err
	}
	for i, a := range d.Activation {
		if len(a.Env) == 0 && len(a.Vars) == 0 {
			continue // an empty entry would otherwise activate the profile always
		}
		path := fmt.Sprintf("%s.activation[%d]", d.path, i)
		envOK, err := l.allMatch(path+".env", a.Env, func(k string) string { return lookupEnv(l.opts.Environ, k) })
		if err != nil {
			return false, err
		}
		varsOK, err := l.allMatch(path+".vars", a.Vars, func(k string) string {
			if v, ok := flags[k]; ok {
				return v
			}
			return lookupEnv(l.opts.Environ, k)
		})
		if err != nil {
			return false, err
		}
		if envOK && varsOK {
			return true, nil
		}
	}
	return false, nil
}

// allMatch compiles every pattern, so that a bad one is reported even when
// an earlier one did not match, and reports whether all of them match.
func (l *loader) allMatch(path string, patterns map[string]string, value func(string) string) (bool, error) {
	all := true
	for _, k := range slices.Sorted(maps.Keys(patterns)) {
		re, err := regexp.Compile("^(?:" + patterns[k] + ")$")
		if err != nil {
			return false, l.errorAtPath(path+"."+k, "invalid pattern for %s: %v", k, err)
		}
		all = all && re.MatchString(value(k))
	}
	return all, nil
}
