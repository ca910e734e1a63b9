package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// DevSpace 5 wrote configs in versions v1beta9, v1beta10 and v1beta11.
// DevSpace 6 loads them by converting them to v2beta1 in memory, and so do
// we: profiles are applied and ${VAR}s substituted in the old tree, as
// DevSpace does, and the result is converted section by section into a
// v2beta1 tree (convert_*.go). The converted tree reuses the old tree's
// nodes wherever a value carries over, so an error found in it later points
// at the user's file; values the conversion makes up (a sync path from
// localSubPath and containerPath, a pipeline) point at what they came from.
//
// Fields the old schema had that mean nothing in v2beta1 are collected
// with their positions: loading refuses the config naming all of them, and
// `devspace print --convert` names them as notices and leaves them out.

// legacyVersions are the DevSpace 5 versions converted on load.
var legacyVersions = []string{"v1beta9", "v1beta10", "v1beta11"}

// isLegacyVersion reports whether v is one of legacyVersions.
func isLegacyVersion(v string) bool { return slices.Contains(legacyVersions, v) }

// converter turns an old tree into a v2beta1 one.
type converter struct {
	l       *loader
	version string
	out     *omap
	// dropped lists the fields with no v2beta1 meaning, positioned; notes
	// what print --convert could not decide from the file alone.
	dropped, notes []*Error
	// err is the first hard error (an unknown field, a wrong type).
	err error
	// What the generated pipelines run, in order.
	deps, builds, pullSecrets, concurrent, sequential []string
	// localTerminal is dev.terminal.command without a selector: DevSpace 5
	// ran it on this machine after dev started.
	localTerminal []string
	dev           *devConverter
}

// convertLegacy replaces the old tree with its v2beta1 conversion.
func (l *loader) convertLegacy(version string) (dropped, notes []*Error, err error) {
	c := &converter{l: l, version: version, out: newOmap(posOf(l.root))}
	c.dev = &devConverter{c: c}
	root := c.obj(l.root, "")
	c.out.set("version", genStr(SchemaVersion, root.keyPos("version")), root.keyPos("version"))
	root.get("version")
	root.copy(c.out, "name", "require")
	c.convertVars(root)
	c.convertPullSecrets(root)
	c.convertImages(root)
	c.convertDeployments(root)
	c.convertDependencies(root)
	c.convertCommands(root)
	c.convertHooks(root)
	c.dev.convert(root)
	// profiles were applied to the old tree before conversion, as DevSpace
	// does; their text is in the old format and is not carried over.
	root.get("profiles")
	root.done()
	c.writePipelines()
	if c.err != nil {
		return nil, nil, c.err
	}
	l.root = c.out.m
	return c.dropped, c.notes, nil
}

// LegacyError refuses a converted config that has fields without a
// v2beta1 meaning, naming each with its position.
type LegacyError struct {
	Version string
	Fields  []*Error
}

func (e *LegacyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "this %s config (DevSpace 5) has fields that mean nothing in %s; remove them (or see `devspace print --convert`):", e.Version, SchemaVersion)
	for _, f := range e.Fields {
		b.WriteString("\n")
		b.WriteString(f.Error())
	}
	return b.String()
}

// drop records a field that the conversion leaves out.
func (c *converter) drop(pos *token.Position, path, why string) {
	c.dropped = append(c.dropped, c.l.errorf(pos.Line, pos.Column, "%s: %s", path, why))
}

// fail records the first hard error.
func (c *converter) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// obj reads one mapping of the old tree and remembers which keys were
// read, so that done can refuse the ones nobody knew.
type obj struct {
	c    *converter
	node ast.Node
	path string
	used map[string]bool
}

func (c *converter) obj(n ast.Node, path string) *obj {
	o := &obj{c: c, path: path, used: map[string]bool{}}
	if n == nil || isNull(n) {
		return o
	}
	if entries(n) == nil {
		p := posOf(n)
		c.fail(c.l.errorf(p.Line, p.Column, "%s: expected a mapping, got a %s", displayField(path), kindOfNode(n)))
		return o
	}
	o.node = n
	return o
}

func displayField(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

func (o *obj) sub(key string) string { return joinPath(o.path, key) }

// get returns key's value (nil when absent or null) and marks it read.
func (o *obj) get(key string) ast.Node {
	o.used[key] = true
	mv := lookup(o.node, key)
	if mv == nil || isNull(mv.Value) {
		return nil
	}
	return mv.Value
}

// has reports whether key is set (not null), without marking it read.
func (o *obj) has(key string) bool {
	mv := lookup(o.node, key)
	return mv != nil && !isNull(mv.Value)
}

// keyPos is where key was written, or the mapping's position.
func (o *obj) keyPos(key string) *token.Position {
	if mv := lookup(o.node, key); mv != nil {
		return posOf(mv.Key)
	}
	if o.node != nil {
		return posOf(o.node)
	}
	return &token.Position{}
}

// str returns key's text ("" when absent); a non-scalar is an error.
func (o *obj) str(key string) string {
	n := o.get(key)
	if n == nil {
		return ""
	}
	if s, ok := scalarText(n); ok {
		return s
	}
	switch unwrap(n).(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		p := posOf(n)
		o.c.fail(o.c.l.errorf(p.Line, p.Column, "%s: expected a string, got a %s", o.sub(key), kindOfNode(n)))
		return ""
	}
	return strings.TrimSpace(n.String())
}

// flag returns a boolean key (false when absent); other values are errors.
func (o *obj) flag(key string) bool {
	n := o.get(key)
	if n == nil {
		return false
	}
	if b, ok := unwrap(n).(*ast.BoolNode); ok {
		return b.Value
	}
	p := posOf(n)
	if s, _ := scalarText(n); strings.Contains(s, "${") { // print --convert: not resolved
		o.c.notes = append(o.c.notes, o.c.l.errorf(p.Line, p.Column,
			"%s is %s, known only when the config loads; the converted pipelines take it as false", o.sub(key), s))
		return false
	}
	o.c.fail(o.c.l.errorf(p.Line, p.Column, "%s: expected true or false", o.sub(key)))
	return false
}

// optFlag is flag for *bool fields: set reports whether it was written.
func (o *obj) optFlag(key string) (value, set bool) {
	if !o.has(key) {
		o.used[key] = true
		return false, false
	}
	return o.flag(key), true
}

// list returns the elements of a sequence key.
func (o *obj) list(key string) []ast.Node {
	n := o.get(key)
	if n == nil {
		return nil
	}
	seq, ok := unwrap(n).(*ast.SequenceNode)
	if !ok {
		p := posOf(n)
		o.c.fail(o.c.l.errorf(p.Line, p.Column, "%s: expected a list, got a %s", o.sub(key), kindOfNode(n)))
		return nil
	}
	return seq.Values
}

// strs returns a list of strings.
func (o *obj) strs(key string) []string {
	var out []string
	for i, n := range o.list(key) {
		s, ok := scalarText(n)
		if !ok {
			s = strings.TrimSpace(n.String())
			if entries(n) != nil {
				p := posOf(n)
				o.c.fail(o.c.l.errorf(p.Line, p.Column, "%s[%d]: expected a string", o.sub(key), i))
			}
		}
		out = append(out, s)
	}
	return out
}

// copy carries keys over unchanged into dst.
func (o *obj) copy(dst *omap, keys ...string) {
	for _, k := range keys {
		if n := o.get(k); n != nil {
			dst.set(k, n, o.keyPos(k))
		}
	}
}

// rename carries a key over under its v2beta1 name.
func (o *obj) rename(dst *omap, from, to string) {
	if n := o.get(from); n != nil {
		dst.set(to, n, o.keyPos(from))
	}
}

// drop records key, when set, as having no v2beta1 meaning.
func (o *obj) drop(key, why string) {
	if o.has(key) {
		o.c.drop(o.keyPos(key), o.sub(key), why)
	}
	o.used[key] = true
}

// done refuses the keys nobody read: fields the old schema did not have.
func (o *obj) done() {
	for _, mv := range entries(o.node) {
		if k := keyOf(mv); !o.used[k] {
			p := posOf(mv.Key)
			o.c.fail(o.c.l.errorf(p.Line, p.Column, "unknown field %q in %s (a %s config)", k, displayField(o.path), o.c.version))
			return
		}
	}
}

// omap builds a mapping of the new tree.
type omap struct{ m *ast.MappingNode }

func newOmap(pos *token.Position) *omap { return &omap{m: newMapping(pos)} }

// set sets key to v, positioned at pos; a nil v is left out.
func (m *omap) set(key string, v ast.Node, pos *token.Position) {
	if v == nil {
		return
	}
	setKey(m.m, newEntry(key, v, pos))
}

// setUnique is set for a key the conversion derived from a name: two names
// that become one key (App and app) would otherwise lose one entry.
func (c *converter) setUnique(m *omap, key string, v ast.Node, pos *token.Position, section, name string) {
	if strings.Contains(key, "${") { // print --convert: not resolved
		c.notes = append(c.notes, c.l.errorf(pos.Line, pos.Column,
			"%s: the name %s becomes a key, where variables are not resolved; give it a fixed name", section, name))
	}
	if lookup(m.m, key) != nil {
		c.fail(c.l.errorf(pos.Line, pos.Column, "%s: %q and an earlier entry both become %q in %s; rename one of them", section, name, key, SchemaVersion))
		return
	}
	m.set(key, v, pos)
}

func (m *omap) empty() bool { return len(m.m.Values) == 0 }

// genStr makes a string node for a value the conversion made up.
func genStr(s string, pos *token.Position) ast.Node {
	p := *pos
	tk := token.New(s, s, &p)
	tk.Type = token.StringType
	return ast.String(tk)
}

// genBool makes a boolean node.
func genBool(b bool, pos *token.Position) ast.Node {
	p := *pos
	s := fmt.Sprint(b)
	return ast.Bool(token.New(s, s, &p))
}

// genList makes a list of the given nodes.
func genList(pos *token.Position, items ...ast.Node) *ast.SequenceNode {
	p := *pos
	seq := ast.Sequence(token.New("[", "[", &p), true)
	for _, n := range items {
		appendElem(seq, n)
	}
	return seq
}

// genStrs makes a list of strings.
func genStrs(pos *token.Position, items []string) *ast.SequenceNode {
	seq := genList(pos)
	for _, s := range items {
		appendElem(seq, genStr(s, pos))
	}
	return seq
}

var (
	nameSeparators = lazyRegexp(`[@/.:\s]+`)
	nameDropped    = lazyRegexp(`[^a-z0-9-]+`)
	commandDropped = lazyRegexp(`[^a-z0-9_-]+`)
)

// objectKey is DevSpace's conversion of an old list entry's name into a
// v2beta1 map key (deployments, dependencies, dev configs, images).
func objectKey(name string) string {
	if strings.Contains(name, "${") {
		return name // print --convert keeps variables as written
	}
	return devspaceName(name, nameDropped)
}

// devspaceName is DevSpace's name conversion: lowercase, runs of '@', '/',
// '.', ':' and white space to one '-', what dropped matches removed.
func devspaceName(name string, dropped func() *regexp.Regexp) string {
	return dropped().ReplaceAllString(nameSeparators().ReplaceAllString(strings.ToLower(name), "-"), "")
}

// lazyRegexp compiles expr on first use: these serve DevSpace 5 configs,
// patches and unnamed projects, not every start (see the start-up budget).
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// commandKey is objectKey for commands, which may also hold '_'.
func commandKey(name string) string {
	if strings.Contains(name, "${") {
		return name
	}
	return devspaceName(name, commandDropped)
}

// noPos positions generated pipelines: they were not written anywhere, so
// an error in one names the pipeline rather than a made-up line.
var noPos = &token.Position{}

// writePipelines writes the pipelines DevSpace 5's commands ran.
func (c *converter) writePipelines() {
	var deploy, build, purge []string
	for _, d := range c.deps {
		deploy = append(deploy, "run_dependencies "+d)
		build = append(build, "run_dependencies "+d+" --pipeline build")
	}
	if len(c.pullSecrets) > 0 {
		deploy = append(deploy, "ensure_pull_secrets "+strings.Join(c.pullSecrets, " "))
	}
	if len(c.builds) > 0 {
		deploy = append(deploy, "build_images "+strings.Join(c.builds, " "))
		build = append(build, "build_images "+strings.Join(c.builds, " "))
	}
	purge = append(purge, "stop_dev --all")
	if len(c.concurrent) > 0 {
		deploy = append(deploy, "create_deployments "+strings.Join(c.concurrent, " "))
		purge = append(purge, "purge_deployments "+strings.Join(c.concurrent, " "))
	}
	if len(c.sequential) > 0 {
		deploy = append(deploy, "create_deployments "+strings.Join(c.sequential, " ")+" --sequential")
		purge = append(purge, "purge_deployments "+strings.Join(c.sequential, " ")+" --sequential")
	}
	for _, d := range c.deps {
		purge = append(purge, "run_dependencies "+d+" --pipeline purge")
	}
	dev := append(slices.Clone(deploy), "start_dev --all")
	if len(c.localTerminal) > 0 {
		dev = append(dev, shellJoin(c.localTerminal))
	}
	pipelines := newOmap(noPos)
	for _, p := range []struct {
		name  string
		lines []string
	}{{"build", build}, {"deploy", deploy}, {"dev", dev}, {"purge", purge}} {
		run := newOmap(noPos)
		run.set("run", genStr(strings.Join(p.lines, "\n"), noPos), noPos)
		pipelines.set(p.name, run.m, noPos)
	}
	c.out.set("pipelines", pipelines.m, noPos)
}

// dropLegacyProfileFields takes out what DevSpace 5 profiles had and
// DevSpace 6 dropped (strategicMerge), before the profiles are read.
func (l *loader) dropLegacyProfileFields() []*Error {
	mv := lookup(l.root, "profiles")
	if mv == nil {
		return nil
	}
	seq, ok := unwrap(mv.Value).(*ast.SequenceNode)
	if !ok {
		return nil
	}
	var dropped []*Error
	for i, p := range seq.Values {
		m, ok := unwrap(p).(*ast.MappingNode)
		if !ok {
			continue
		}
		if sm := lookup(m, "strategicMerge"); sm != nil {
			pos := posOf(sm.Key)
			dropped = append(dropped, l.errorf(pos.Line, pos.Column,
				"profiles[%d].strategicMerge: DevSpace 6 has no strategicMerge; use merge or patches", i))
			removeKey(m, "strategicMerge")
		}
	}
	return dropped
}
