package config

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/devspace-engine/devspace/source"
)

// importedSections are the top-level sections an import contributes. The
// importing file's entries win over an import's; among imports, the one
// listed first wins.
var importedSections = []string{"require", "vars", "pipelines", "functions", "commands", "images", "deployments",
	"dev", "profiles", "hooks", "pullSecrets", "dependencies"}

// resolveImports loads every enabled `imports:` entry (recursively, each
// file's own imports first) and merges its sections into this tree.
func (l *loader) resolveImports() error {
	if err := l.resolveImportsEnabled(); err != nil {
		return err
	}
	var imports []*Import
	if err := l.decodeSection("imports", &imports); err != nil {
		return err
	}
	l.prefetch(imports)
	for i, imp := range imports {
		at := fmt.Sprintf("imports[%d]", i)
		if imp == nil || (imp.Enabled != nil && !*imp.Enabled) {
			continue
		}
		sub, err := l.loadSource(imp.SourceConfig, at)
		if err != nil {
			return err
		}
		if err := l.merge(sub.root); err != nil {
			return err
		}
	}
	return nil
}

// prefetch brings the file's git imports up to date in parallel before
// they are loaded one by one, so that loading waits for the slowest fetch,
// not their sum. An import whose source uses ${VAR} is left to its turn:
// its value may come from an import listed before it. Failures surface
// when each import is loaded, at its entry.
func (l *loader) prefetch(imports []*Import) {
	if l.noCommands {
		return
	}
	var specs []source.Spec
	for _, imp := range imports {
		if imp == nil || (imp.Enabled != nil && !*imp.Enabled) || imp.Git == "" {
			continue
		}
		spec := imp.Spec()
		if !strings.Contains(spec.Git+spec.Branch+spec.Tag+spec.Revision, "${") {
			specs = append(specs, spec)
		}
	}
	if len(specs) > 1 {
		source.Prefetch(cmp.Or(l.opts.Context, context.Background()), specs)
	}
}

// loadSource finds, parses and prepares the config a source written at the
// dotted path `at` points to (an import, a profile's parent): its lines are
// moved into a range of their own (see fileTable) so that every later
// error about its values names it, its relative paths are made absolute,
// and its own imports are merged into it.
func (l *loader) loadSource(sc SourceConfig, at string) (*loader, error) {
	if l.stack == nil {
		l.stack = []string{filepath.Clean(l.path)}
	}
	spec, err := l.importSpec(sc, at)
	if err != nil {
		return nil, err
	}
	if l.noCommands {
		return nil, l.errorAtPath(at, "imports and other sources are not loaded here")
	}
	ctx := l.opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	dir, err := source.Resolve(ctx, spec, l.dir())
	if err != nil {
		return nil, l.errorAtPath(at, "import: %v", err)
	}
	file := filepath.Clean(dir)
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		file = filepath.Join(dir, DefaultFile)
	}
	if slices.Contains(l.stack, file) {
		chain := make([]string, 0, len(l.stack)+1)
		for _, p := range append(slices.Clip(l.stack), file) {
			chain = append(chain, displayPath(p))
		}
		return nil, l.errorAtPath(at, "import cycle: %s", strings.Join(chain, " → "))
	}
	src, err := readFile(file)
	if err != nil {
		return nil, l.errorAtPath(at, "import %s: %v", spec, err)
	}
	site := l.errorAtPath(at, "").Pos.String()
	t := l.table()
	sub := &loader{path: file, src: src, opts: l.opts, noCommands: l.noCommands, files: t,
		base: len(t.files) * lineStride, stack: append(slices.Clip(l.stack), file)}
	t.files = append(t.files, &sourceFile{path: file, src: src, chain: append(slices.Clip(l.files.fileAt(l.base).chain), site)})
	if err := sub.parse(); err != nil {
		return nil, err
	}
	shiftLines(sub.root, sub.base)
	if err := sub.checkVersion(); err != nil {
		return nil, err
	}
	if err := sub.normalize(); err != nil {
		return nil, err
	}
	sub.rebasePaths()
	if err := sub.resolveImports(); err != nil {
		return nil, err
	}
	return sub, nil
}

// importSpec turns an import entry into a source. ${VAR}s in it resolve
// like any variable, from what is known before the import is merged:
// --var flags, the environment, predefined variables and the `vars:` of
// this file (and of the imports merged before this one).
func (l *loader) importSpec(sc SourceConfig, at string) (source.Spec, error) {
	spec := sc.Spec()
	if sc.Path == "" && sc.Git == "" {
		return spec, l.errorAtPath(at, "import without a source: set `path:` or `git:`")
	}
	x := &importVars{l: l}
	for _, field := range []*string{&spec.Path, &spec.Git, &spec.Branch, &spec.Tag, &spec.Revision, &spec.SubPath} {
		*field = x.expand(*field)
	}
	var pe *Error
	if x.err != nil && !errors.As(x.err, &pe) {
		return spec, l.errorAtPath(at, "import: %v", x.err)
	}
	return spec, x.err
}

// importVars expands the ${VAR}s of an import's fields, resolving
// variables on first use; err is the first failure (the text then keeps
// its reference).
type importVars struct {
	l   *loader
	r   *varResolver
	err error
}

func (x *importVars) expand(s string) string {
	return varRef.ReplaceAllStringFunc(s, func(ref string) string {
		if x.err != nil {
			return ref
		}
		if x.r == nil {
			if x.r, x.err = x.l.newVarResolver(x.l.projectName(), nil); x.err != nil {
				return ref
			}
		}
		v, err := x.r.get(ref[2 : len(ref)-1])
		if err != nil {
			x.err = err
			return ref
		}
		return v
	})
}

// resolved are the variables expanded so far.
func (x *importVars) resolved() map[string]string {
	if x.r == nil {
		return nil
	}
	return x.r.resolved
}

// Spec is the source as package source takes it.
func (sc SourceConfig) Spec() source.Spec {
	return source.Spec{Path: sc.Path, Git: sc.Git, Branch: sc.Branch, Tag: sc.Tag, Revision: sc.Revision,
		SubPath: sc.SubPath, CloneArgs: sc.CloneArgs, DisableShallow: sc.DisableShallow, DisablePull: sc.DisablePull}
}

// merge adds the sections of an imported tree to this one, keeping this
// tree's entries where both define one.
func (l *loader) merge(from ast.Node) error {
	root, err := l.rootMapping()
	if err != nil {
		return err
	}
	for _, name := range importedSections {
		in := lookup(from, name)
		if in == nil || isNull(in.Value) {
			continue
		}
		own := lookup(root, name)
		switch {
		case own == nil:
			root.Values = append(root.Values, in)
		case isNull(own.Value):
			own.Value = in.Value
		case name == "hooks":
			mergeSequence(own, in, func(ast.Node) bool { return true })
		case name == "profiles":
			mergeSequence(own, in, func(p ast.Node) bool { return !hasProfile(own.Value, profileName(p)) })
		default:
			mergeMapping(own, in)
		}
	}
	return nil
}

// mergeMapping adds in's entries whose keys own lacks. A section of another
// shape is left alone: decoding then reports it where it was written.
func mergeMapping(own, in *ast.MappingValueNode) {
	if mv, ok := unwrap(own.Value).(*ast.MappingValueNode); ok {
		m := newMapping(posOf(mv))
		m.Values = append(m.Values, mv)
		own.Value = m
	}
	m, ok := unwrap(own.Value).(*ast.MappingNode)
	if !ok {
		return
	}
	for _, entry := range entries(in.Value) {
		if lookup(m, keyOf(entry)) == nil {
			m.Values = append(m.Values, entry)
		}
	}
}

func mergeSequence(own, in *ast.MappingValueNode, keep func(ast.Node) bool) {
	seq, ok := unwrap(own.Value).(*ast.SequenceNode)
	from, ok2 := unwrap(in.Value).(*ast.SequenceNode)
	if !ok || !ok2 {
		return
	}
	for _, item := range from.Values {
		if keep(item) {
			seq.Values = append(seq.Values, item)
		}
	}
}

func profileName(n ast.Node) string {
	if mv := lookup(n, "name"); mv != nil {
		s, _ := scalarText(mv.Value)
		return s
	}
	return ""
}

func hasProfile(profiles ast.Node, name string) bool {
	seq, ok := unwrap(profiles).(*ast.SequenceNode)
	return ok && name != "" && slices.ContainsFunc(seq.Values, func(p ast.Node) bool { return profileName(p) == name })
}

// rebasePaths makes the relative paths of an imported file absolute, so
// that they keep pointing into its directory once merged: images' context
// and dockerfile (their defaults too), kubectl manifests, helm charts and
// values files, dev sync paths and path dependencies.
func (l *loader) rebasePaths() {
	dir := l.dir()
	rebase := func(n ast.Node) {
		if s, ok := unwrap(n).(*ast.StringNode); ok && isRelativePath(s.Value) {
			s.Value = filepath.Join(dir, s.Value)
		}
	}
	for _, img := range sectionEntries(l.root, "images") {
		for field, def := range map[string]string{"context": "./", "dockerfile": "./Dockerfile"} {
			if mv := lookup(img.Value, field); mv != nil {
				rebase(mv.Value)
			} else {
				addField(img, field, filepath.Join(dir, def))
			}
		}
	}
	for _, d := range sectionEntries(l.root, "deployments") {
		eachItem(at(d.Value, "kubectl", "manifests"), rebase)
		eachItem(at(d.Value, "helm", "valuesFiles"), rebase)
		if name := at(d.Value, "helm", "chart", "name"); name != nil {
			if s, ok := unwrap(name).(*ast.StringNode); ok && isLocalChart(dir, s.Value) {
				rebase(s)
			}
		}
	}
	for _, pod := range sectionEntries(l.root, "dev") {
		rebaseSync(at(pod.Value, "sync"), dir)
		for _, c := range entries(at(pod.Value, "containers")) {
			rebaseSync(at(c.Value, "sync"), dir)
		}
	}
	for _, dep := range sectionEntries(l.root, "dependencies") {
		if mv := lookup(dep.Value, "path"); mv != nil {
			rebase(mv.Value)
		}
	}
}

// rebaseSync rewrites the LOCAL part of each sync entry's `path: LOCAL:REMOTE`
// and its exclude files.
func rebaseSync(seq ast.Node, dir string) {
	eachItem(seq, func(item ast.Node) {
		for _, field := range []string{"excludeFile", "uploadExcludeFile", "downloadExcludeFile"} {
			if mv := lookup(item, field); mv != nil {
				if s, ok := unwrap(mv.Value).(*ast.StringNode); ok && isRelativePath(s.Value) {
					s.Value = filepath.Join(dir, s.Value)
				}
			}
		}
		mv := lookup(item, "path")
		if mv == nil {
			return
		}
		s, ok := unwrap(mv.Value).(*ast.StringNode)
		if !ok {
			return
		}
		local, remote, found := strings.Cut(s.Value, ":")
		if !found || local == "" {
			local = "."
		}
		if isRelativePath(local) && found {
			s.Value = filepath.Join(dir, local) + ":" + remote
		}
	})
}

func isRelativePath(p string) bool {
	return p != "" && !filepath.IsAbs(p) && !strings.HasPrefix(p, "~") && !strings.Contains(p, "${") && !strings.Contains(p, "://")
}

// isLocalChart mirrors how deployments tell a chart directory from a chart
// in a repository.
func isLocalChart(dir, name string) bool {
	if strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../") {
		return true
	}
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil && name != ""
}

func sectionEntries(root ast.Node, section string) []*ast.MappingValueNode {
	if mv := lookup(root, section); mv != nil {
		return entries(mv.Value)
	}
	return nil
}

// at follows keys down from n; nil when one is missing.
func at(n ast.Node, keys ...string) ast.Node {
	for _, k := range keys {
		mv := lookup(n, k)
		if mv == nil {
			return nil
		}
		n = mv.Value
	}
	return n
}

func eachItem(n ast.Node, fn func(ast.Node)) {
	if n == nil {
		return
	}
	if seq, ok := unwrap(n).(*ast.SequenceNode); ok {
		for _, item := range seq.Values {
			fn(item)
		}
	}
}

// addField adds `field: value` to a mapping entry's value, positioned at
// the entry's key (an error about it then points at the image).
func addField(entry *ast.MappingValueNode, field, value string) {
	node, err := parseValueNode(fmt.Sprintf("%s: %q", field, value))
	if err != nil {
		return
	}
	mv := entries(node)[0]
	moveTokens(node, entry.Key.GetToken().Position)
	switch v := unwrap(entry.Value).(type) {
	case *ast.MappingNode:
		v.Values = append(v.Values, mv)
	case *ast.MappingValueNode:
		m := newMapping(posOf(v))
		m.Values = append(m.Values, v, mv)
		entry.Value = m
	}
}

// lineStride separates the files of one load: the lines of the n-th file
// (0 being the loaded devspace.yaml, then its imports) are numbered from
// n*lineStride on. Every position in the merged tree then tells its file,
// and the one place that prints positions translates them back.
const lineStride = 1 << 24 // more lines than MaxFileSize can hold

type sourceFile struct {
	path string
	src  []byte
	// chain lists the import entries (file:line:col) that brought this
	// file in, outermost first; empty for the loaded devspace.yaml.
	chain []string
}

type fileTable struct{ files []*sourceFile }

func (t *fileTable) fileAt(line int) *sourceFile {
	if i := line / lineStride; t != nil && i < len(t.files) {
		return t.files[i]
	}
	return nil
}

// locate turns a line of the merged tree into its file and the line there.
func (t *fileTable) locate(line int) (*sourceFile, int) {
	f := t.fileAt(line)
	if f == nil {
		f = t.files[0]
	}
	return f, line % lineStride
}

func (t *fileTable) errorf(line, col int, format string, args ...any) *Error {
	f, line := t.locate(line)
	e := NewError(f.path, f.src, line, col, format, args...)
	e.Chain = f.chain
	return e
}

// table returns the load's file table, made on first use with this
// loader's file as number 0.
func (l *loader) table() *fileTable {
	if l.files == nil {
		l.files = &fileTable{files: []*sourceFile{{path: l.path, src: l.src}}}
	}
	return l.files
}

// shiftLines moves every token of a freshly parsed file by base lines. The
// tokens of one file form a list; walking it reaches those no node keeps.
func shiftLines(root ast.Node, base int) {
	if root == nil || base == 0 {
		return
	}
	tk := root.GetToken()
	for tk != nil && tk.Prev != nil {
		tk = tk.Prev
	}
	seen := map[*token.Position]bool{}
	for ; tk != nil; tk = tk.Next {
		if p := tk.Position; p != nil && !seen[p] {
			seen[p] = true
			p.Line += base
		}
	}
}
