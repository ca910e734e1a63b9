// Package schemaaudit checks, for the tests, that no devspace.yaml field is
// accepted and ignored: every field the config types decode is read by
// the code, refused at load time, or listed as consumed as a whole.
//
// "Read" is decided statically: the module's packages are type-checked
// and a field counts as read where a selector expression (x.Field) takes
// its value outside of test files. Assignments to a field do not count,
// so the loader filling a field in does not make it implemented. Any
// read counts, though: code that only warns about a field, or checks it
// to fail late, makes it "read"; such a field belongs in the refused list.
//
// A struct inlined into another (`yaml:",inline"`) is judged per place:
// its fields count as read there only through that struct (dep.Git), or
// when that struct takes the inlined one whole (dep.Spec(), or
// dep.SourceConfig) and the field is read on the inlined type. A struct
// that is a plain field is judged by type: a read of DockerBuild.Args
// anywhere counts for every place a DockerBuild is decoded.
package schemaaudit

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Options says what to audit.
type Options struct {
	// Dir is where the packages are loaded from (a directory of the module).
	Dir string
	// Packages are the patterns (as for go list) whose code may read fields.
	Packages []string
	// Root is the decoded type, as "import/path.TypeName".
	Root string
	// Refused are the path patterns refused at load time ("dev.*.ssh").
	Refused []string
	// Generic maps path patterns of fields consumed as a whole, without
	// a selector (on the YAML tree, through reflection or Raw), to why.
	// The fields inside them are not audited: keep the list small.
	Generic map[string]string
}

// Run loads the packages and returns one line per problem, sorted: a
// field neither read nor refused nor generic, a refused field that is
// read after all, and a list entry that names no field.
func Run(opts Options) ([]string, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax |
			packages.NeedTypes | packages.NeedTypesInfo | packages.NeedImports,
		Dir: opts.Dir,
	}
	pkgs, err := packages.Load(cfg, opts.Packages...)
	if err != nil {
		return nil, fmt.Errorf("load %v: %w", opts.Packages, err)
	}
	var errs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("load %v:\n%s", opts.Packages, strings.Join(errs, "\n"))
	}
	root, err := findRoot(pkgs, opts.Root)
	if err != nil {
		return nil, err
	}
	a := &auditor{opts: opts, reads: collectReads(pkgs), used: map[string]bool{}}
	a.walkStruct("", []context{{owner: typeName(root), guard: true}}, root.Underlying().(*types.Struct))
	a.unusedEntries()
	slices.Sort(a.problems)
	return a.problems, nil
}

// findRoot looks the root type up among the loaded packages.
func findRoot(pkgs []*packages.Package, root string) (*types.Named, error) {
	dot := strings.LastIndex(root, ".")
	if dot < 0 {
		return nil, fmt.Errorf("root %q: want import/path.TypeName", root)
	}
	for _, p := range pkgs {
		if p.PkgPath != root[:dot] {
			continue
		}
		obj, _ := p.Types.Scope().Lookup(root[dot+1:]).(*types.TypeName)
		if obj == nil {
			break
		}
		if n, ok := obj.Type().(*types.Named); ok {
			if _, ok := n.Underlying().(*types.Struct); ok {
				return n, nil
			}
		}
	}
	return nil, fmt.Errorf("root %s: no such struct type among the loaded packages", root)
}

// readKey names a field as reached from a struct type: "pkg.Image" and
// "Docker", or "pkg.ChartConfig" and "SourceConfig.Git" for a field
// promoted from an embedded struct.
type readKey struct{ owner, path string }

// collectReads finds every selector that reads a struct field.
func collectReads(pkgs []*packages.Package) map[readKey]token.Position {
	reads := map[readKey]token.Position{}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, f := range p.Syntax {
			writes := assignedSelectors(f)
			ast.Inspect(f, func(n ast.Node) bool {
				se, ok := n.(*ast.SelectorExpr)
				if !ok || writes[se] {
					return true
				}
				sel := p.TypesInfo.Selections[se]
				if sel == nil {
					return true
				}
				if k, ok := keyOf(sel); ok {
					if _, seen := reads[k]; !seen {
						reads[k] = p.Fset.Position(se.Sel.Pos())
					}
				}
				return true
			})
		}
	})
	return reads
}

// assignedSelectors are the selectors a plain assignment writes to
// (x.F = v); x.F += v reads F as well and is not listed.
func assignedSelectors(f *ast.File) map[*ast.SelectorExpr]bool {
	out := map[*ast.SelectorExpr]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && (as.Tok == token.ASSIGN || as.Tok == token.DEFINE) {
			for _, lhs := range as.Lhs {
				if se, ok := ast.Unparen(lhs).(*ast.SelectorExpr); ok {
					out[se] = true
				}
			}
		}
		return true
	})
	return out
}

// keyOf turns a selection into the struct it starts from and the field
// names along its path. A method promoted from an embedded struct
// (dep.Spec() for SourceConfig.Spec) reads that embedded struct whole.
func keyOf(sel *types.Selection) (readKey, bool) {
	owner, ok := deref(sel.Recv()).(*types.Named)
	if !ok {
		return readKey{}, false
	}
	index := sel.Index()
	if sel.Kind() != types.FieldVal {
		index = index[:len(index)-1]
	}
	if len(index) == 0 {
		return readKey{}, false
	}
	var names []string
	t := types.Type(owner)
	for _, i := range index {
		st, ok := deref(t).Underlying().(*types.Struct)
		if !ok {
			return readKey{}, false
		}
		f := st.Field(i)
		names = append(names, f.Name())
		t = f.Type()
	}
	return readKey{typeName(owner), strings.Join(names, ".")}, true
}

func deref(t types.Type) types.Type {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		return p.Elem()
	}
	return types.Unalias(t)
}

func typeName(n *types.Named) string {
	return n.Obj().Pkg().Path() + "." + n.Obj().Name()
}

// context is one way a field of the struct being walked can be read: as
// owner.prefix+Field. guard is false when that way needs an embedded
// struct that is never taken as a whole.
type context struct {
	owner, prefix string
	guard         bool
}

type auditor struct {
	opts     Options
	reads    map[readKey]token.Position
	used     map[string]bool // list entries that matched a field
	problems []string
	// depth guards against a recursive type.
	depth int
}

// walkStruct decides each field of st, found at path.
func (a *auditor) walkStruct(path string, ctxs []context, st *types.Struct) {
	for i := range st.NumFields() {
		f := st.Field(i)
		name, inline := yamlName(f, st.Tag(i))
		switch {
		case name == "-" || !f.Exported():
		case inline:
			emb, ok := deref(f.Type()).(*types.Named)
			if !ok {
				continue
			}
			var next []context
			for _, c := range ctxs {
				_, whole := a.reads[readKey{c.owner, c.prefix + f.Name()}]
				next = append(next,
					context{c.owner, c.prefix + f.Name() + ".", c.guard},
					context{typeName(emb), "", c.guard && whole})
			}
			a.walkStruct(path, next, emb.Underlying().(*types.Struct))
		default:
			a.decide(join(path, name), ctxs, f)
		}
	}
}

// decide checks one field and walks into it when it is read.
func (a *auditor) decide(path string, ctxs []context, f *types.Var) {
	where, read := a.readAt(ctxs, f.Name())
	goName := ctxs[0].owner[strings.LastIndex(ctxs[0].owner, "/")+1:] + "." + ctxs[0].prefix + f.Name()
	switch {
	case slices.Contains(a.opts.Refused, path):
		a.used[path] = true
		if read {
			a.problems = append(a.problems, fmt.Sprintf("%s (%s): refused at load time but read at %s; drop the refusal or the read", path, goName, where))
		}
	case a.opts.Generic[path] != "":
		a.used[path] = true
		if read {
			a.problems = append(a.problems, fmt.Sprintf("%s (%s): listed as consumed generically but read at %s; drop it from the list", path, goName, where))
		}
	case read:
		a.walkType(path, f.Type())
	default:
		a.problems = append(a.problems, fmt.Sprintf("%s (%s): neither read by any code nor refused at load time; implement it, refuse it (config/unsupported.go) or list it as consumed generically", path, goName))
	}
}

// readAt reports where the field is first read through one of ctxs.
func (a *auditor) readAt(ctxs []context, field string) (token.Position, bool) {
	for _, c := range ctxs {
		if p, ok := a.reads[readKey{c.owner, c.prefix + field}]; ok && c.guard {
			return p, true
		}
	}
	return token.Position{}, false
}

// walkType descends into a field's type: maps and lists add a wildcard.
func (a *auditor) walkType(path string, t types.Type) {
	if a.depth > 32 {
		return
	}
	a.depth++
	defer func() { a.depth-- }()
	switch u := deref(t).Underlying().(type) {
	case *types.Map:
		a.walkType(path+".*", u.Elem())
	case *types.Slice:
		a.walkType(path+"[*]", u.Elem())
	case *types.Struct:
		n, ok := deref(t).(*types.Named)
		if !ok {
			return
		}
		a.walkStruct(path, []context{{owner: typeName(n), guard: true}}, u)
	}
}

// unusedEntries reports list entries that matched no field: a typo, or
// a field that was removed.
func (a *auditor) unusedEntries() {
	for _, p := range a.opts.Refused {
		if !a.used[p] {
			a.problems = append(a.problems, fmt.Sprintf("%s: refused, but there is no such field (or a refused parent covers it)", p))
		}
	}
	for p := range a.opts.Generic {
		if !a.used[p] {
			a.problems = append(a.problems, fmt.Sprintf("%s: listed as consumed generically, but there is no such unread field", p))
		}
	}
}

// yamlName is the field's key in devspace.yaml and whether it is inlined.
func yamlName(f *types.Var, tag string) (string, bool) {
	name, opts, _ := strings.Cut(reflect.StructTag(tag).Get("yaml"), ",")
	inline := slices.Contains(strings.Split(opts, ","), "inline") || (f.Embedded() && name == "")
	if name == "" {
		name = strings.ToLower(f.Name()[:1]) + f.Name()[1:]
	}
	return name, inline
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}
