package imagebuild

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/devspace-engine/devspace/config"
)

// The instructions a BaseRef comes from (BaseRef.Instr).
const (
	InstrFrom     = "FROM"
	InstrCopyFrom = "COPY --from"
	InstrMount    = "RUN --mount=from"
)

// BaseRef is one image reference a Dockerfile uses.
type BaseRef struct {
	Ref    string // as expanded, e.g. "127.0.0.1:5000/base:latest", "node:20", "busybox@sha256:…"
	Line   int    // 1-based line in the Dockerfile text
	Instr  string // "FROM", "COPY --from", "RUN --mount=from"
	Image  string // name of the project image it refers to ("" when external)
	Pinned bool   // the reference carries a digest
	// Context is the --build-context NAME of an InstrContext reference.
	Context string
}

// Graph is the dependency graph of a set of build requests.
type Graph struct {
	Order []string             // image names in a topological order (bases first), stable: ties by the input order
	Deps  map[string][]string  // image → the project images it builds FROM/copies from (direct, sorted, deduplicated)
	Refs  map[string][]BaseRef // image → every reference (project and external), in Dockerfile order
}

// CycleError says that images depend on each other, so none can be built
// first.
type CycleError struct {
	// Images are the cycle in order: Images[i] depends on Images[i+1], the
	// last on the first.
	Images []string
	// Refs[i] is the reference by which Images[i] depends on the next.
	Refs []BaseRef
	// Files[i] is the Dockerfile of Images[i], relative to its config
	// directory when it lies inside it.
	Files []string
}

func (e *CycleError) Error() string {
	var b strings.Builder
	b.WriteString("build order: images depend on each other: ")
	if len(e.Images) > 0 {
		b.WriteString(e.Images[0])
	}
	for i, r := range e.Refs {
		next := e.Images[(i+1)%len(e.Images)]
		if r.Instr == InstrContext {
			fmt.Fprintf(&b, " → %s (%s %s=%s%s)", next, r.Instr, r.Context, dockerImageScheme, r.Ref)
		} else {
			fmt.Fprintf(&b, " → %s (%s:%d %s %s)", next, e.Files[i], r.Line, r.Instr, r.Ref)
		}
	}
	return b.String()
}

// NewGraph parses the Dockerfile of every request that has one (custom and
// disabled images have none and only take part in the order) and links the
// images through their references. repos maps every configured image name
// to its repository, so that a dependency on an image that is not in reqs
// still shows in Deps; Order holds only the images of reqs.
func NewGraph(reqs []Request, repos map[string]string) (*Graph, error) {
	g := &Graph{Deps: map[string][]string{}, Refs: map[string][]BaseRef{}}
	projects := newProjectRepos(repos, reqs)
	var names []string
	for _, r := range reqs {
		if slices.Contains(names, r.Name) {
			continue // the first request of a name wins, as in the order
		}
		names = append(names, r.Name)
		if r.Kind == Disabled || r.Kind.watches() || len(r.DockerfileText) == 0 {
			continue
		}
		refs, err := dockerfileRefs(r.DockerfileText, r.BuildArgs)
		if err != nil {
			return nil, placeError(r, err)
		}
		refs = append(dropNamedContexts(refs, r.Options.Contexts), contextRefs(r.Options.Contexts)...)
		for i := range refs {
			projects.resolve(&refs[i], r.Name)
		}
		g.Refs[r.Name], g.Deps[r.Name] = refs, depsOf(refs)
	}
	sorted, left := topoSort(names, g.Deps)
	if len(left) > 0 {
		return nil, g.cycleError(reqs, left)
	}
	g.Order = sorted
	return g, nil
}

// dropNamedContexts leaves out the references that a --build-context
// answers: BuildKit reads them from the context, not from a registry. A
// directory enters the key through its files, an image as a base of its
// own (contextRefs), a URL as written.
func dropNamedContexts(refs []BaseRef, contexts []config.BuildContext) []BaseRef {
	if len(contexts) == 0 {
		return refs
	}
	return slices.DeleteFunc(refs, func(r BaseRef) bool {
		return slices.ContainsFunc(contexts, func(c config.BuildContext) bool { return c.Name == r.Ref })
	})
}

func depsOf(refs []BaseRef) []string {
	var deps []string
	for _, r := range refs {
		if r.Image != "" {
			deps = append(deps, r.Image)
		}
	}
	slices.Sort(deps)
	return slices.Compact(deps)
}

// dockerfileError is an error at a line of a Dockerfile (0 when unknown).
type dockerfileError struct {
	line int
	err  error
}

func (e *dockerfileError) Error() string { return e.err.Error() }
func (e *dockerfileError) Unwrap() error { return e.err }

// placeError names the image and the file:line, as users look for both.
func placeError(r Request, err error) error {
	loc := shownDockerfile(r)
	var de *dockerfileError
	if errors.As(err, &de) && de.line > 0 {
		loc += ":" + strconv.Itoa(de.line)
	}
	return fmt.Errorf("image %q: %s: %w", r.Name, loc, err)
}

// shownDockerfile shows the Dockerfile as users configured it: relative to
// the config directory when it lies inside it.
func shownDockerfile(r Request) string {
	if r.Dockerfile == "" {
		return "Dockerfile"
	}
	if rel, err := filepath.Rel(r.Dir, r.Dockerfile); r.Dir != "" && err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return r.Dockerfile
}

// dockerfileRefs lists the image references of a Dockerfile in order,
// resolving stage names and FROM's global ARGs the way BuildKit does.
func dockerfileRefs(text []byte, args map[string]*string) ([]BaseRef, error) {
	res, err := parser.Parse(bytes.NewReader(text))
	if err != nil {
		return nil, &dockerfileError{line: errorLine(err), err: err}
	}
	nodes := res.AST.Children
	w := refWalker{lex: shell.NewLex(res.EscapeToken), env: argEnv{}, args: args}
	if w.stages, err = stageIndexes(nodes); err != nil {
		return nil, err
	}
	for _, n := range nodes {
		if err := w.add(n); err != nil {
			return nil, &dockerfileError{line: n.StartLine, err: err}
		}
	}
	return w.refs, nil
}

// stageIndexes maps each stage name (lower case, as BuildKit keeps it) to
// its stage's index: COPY --from may name any stage.
func stageIndexes(nodes []*parser.Node) (map[string]int, error) {
	idx, i := map[string]int{}, 0
	for _, n := range nodes {
		if !strings.EqualFold(n.Value, "from") {
			continue
		}
		switch args := nodeArgs(n); {
		case len(args) == 3 && strings.EqualFold(args[1], "as"):
			idx[strings.ToLower(args[2])] = i
		case len(args) != 1:
			return nil, &dockerfileError{line: n.StartLine, err: errors.New("FROM requires either one or three arguments")}
		}
		i++
	}
	return idx, nil
}

func nodeArgs(n *parser.Node) []string {
	var args []string
	for a := n.Next; a != nil; a = a.Next {
		args = append(args, a.Value)
	}
	return args
}

func errorLine(err error) int {
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		return le.Locations[0][0].Start.Line
	}
	return 0
}

// refWalker collects the references of a Dockerfile's instructions.
type refWalker struct {
	lex    *shell.Lex
	env    argEnv             // the global ARGs, for FROM
	args   map[string]*string // the request's build args
	stages map[string]int     // stage name → index
	nstage int                // stages seen so far
	refs   []BaseRef
}

// add takes one instruction; the parser gives its flags unquoted, as
// "--name=value".
func (w *refWalker) add(n *parser.Node) error {
	keyword := strings.ToLower(n.Value)
	if w.nstage == 0 && keyword != "from" && keyword != "arg" {
		return errors.New("no build stage in current context: only ARG may come before the first FROM")
	}
	switch keyword {
	case "from":
		w.nstage++
		return w.from(n.Next.Value, n.StartLine)
	case "arg":
		if w.nstage == 0 {
			return w.declare(nodeArgs(n))
		}
	case "copy":
		// A number is a stage index.
		if from := flagValue(n.Flags, "--from="); from != "" {
			if _, err := strconv.Atoi(from); err != nil {
				return w.use(from, InstrCopyFrom, n.StartLine)
			}
		}
	case "run":
		return w.mounts(n)
	}
	return nil
}

// flagValue returns the value of the last flag with the prefix.
func flagValue(flags []string, prefix string) string {
	v := ""
	for _, f := range flags {
		if s, ok := strings.CutPrefix(f, prefix); ok {
			v = s
		}
	}
	return v
}

// mounts records the from= sources of RUN --mount flags (comma-separated
// key=value fields, quoted as CSV).
func (w *refWalker) mounts(n *parser.Node) error {
	for _, f := range n.Flags {
		v, ok := strings.CutPrefix(f, "--mount=")
		if !ok {
			continue
		}
		fields, err := csv.NewReader(strings.NewReader(v)).Read()
		if err != nil {
			return fmt.Errorf("RUN --mount=%s: %w", v, err)
		}
		for _, field := range fields {
			if k, from, _ := strings.Cut(field, "="); strings.EqualFold(k, "from") && from != "" {
				if err := w.use(from, InstrMount, n.StartLine); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// declare applies a global ARG: a build arg overrides its default, and a
// nil build arg counts as unset (docker would take it from its own
// environment, which is not ours to read).
func (w *refWalker) declare(args []string) error {
	for _, a := range args {
		k, def, hasDef := strings.Cut(a, "=")
		if v := w.args[k]; v != nil {
			w.env[k] = *v
			continue
		}
		if !hasDef {
			continue
		}
		v, _, err := w.lex.ProcessWord(def, w.env)
		if err != nil {
			return fmt.Errorf("ARG %s: %w", k, err)
		}
		w.env[k] = v
	}
	return nil
}

// from records a FROM's image unless it names an earlier stage: FROM sees
// only the stages above it.
func (w *refWalker) from(base string, line int) error {
	ref, _, err := w.lex.ProcessWord(base, w.env)
	if err != nil {
		return fmt.Errorf("FROM %s: %w", base, err)
	}
	if i, ok := w.stages[strings.ToLower(ref)]; ok && i < w.nstage-1 {
		return nil
	}
	w.ref(ref, InstrFrom, line)
	return nil
}

// use records a COPY --from or mount source unless it names a stage.
// BuildKit takes these literally and fails a build that writes a variable
// there, so such a Dockerfile is refused here too rather than yielding a
// reference nobody can resolve.
func (w *refWalker) use(from, instr string, line int) error {
	if lit, _, err := w.lex.ProcessWord(from, argEnv{}); err != nil || lit != from {
		return fmt.Errorf("%s %s: variable expansion is not supported here; define a stage with FROM and use its name", instr, from)
	}
	if _, ok := w.stages[strings.ToLower(from)]; !ok {
		w.ref(from, instr, line)
	}
	return nil
}

func (w *refWalker) ref(ref, instr string, line int) {
	if ref != "" && ref != "scratch" { // scratch is no image; "" fails the build anyway
		w.refs = append(w.refs, BaseRef{Ref: ref, Line: line, Instr: instr})
	}
}

// argEnv holds variables for shell.Lex.
type argEnv map[string]string

func (e argEnv) Get(k string) (string, bool) { v, ok := e[k]; return v, ok }
func (e argEnv) Keys() []string              { return slices.Sorted(maps.Keys(e)) }

// projectRepos tells which project image a reference names.
type projectRepos struct {
	byRepo map[string][]string // normalized repository → image names, sorted
	tags   map[string][]string // image → its tags, for images in reqs
}

func newProjectRepos(repos map[string]string, reqs []Request) projectRepos {
	p := projectRepos{byRepo: map[string][]string{}, tags: map[string][]string{}}
	for _, name := range slices.Sorted(maps.Keys(repos)) {
		if n, err := reference.ParseNormalizedNamed(repos[name]); err == nil {
			p.byRepo[n.Name()] = append(p.byRepo[n.Name()], name)
		}
	}
	for _, r := range reqs {
		p.tags[r.Name] = r.Tags
	}
	return p
}

// resolve sets ref.Image and ref.Pinned. A digest names content, not
// whatever the project builds next, so a pinned reference stays external.
// When images share a repository, the one whose tags hold the reference's
// tag wins, else the first by name.
func (p projectRepos) resolve(ref *BaseRef, self string) {
	n, err := reference.ParseNormalizedNamed(ref.Ref)
	if err != nil {
		return
	}
	if _, ok := n.(reference.Digested); ok {
		ref.Pinned = true
		return
	}
	cands := slices.DeleteFunc(slices.Clone(p.byRepo[n.Name()]), func(s string) bool { return s == self })
	if len(cands) == 0 {
		return
	}
	ref.Image = cands[0]
	if t, ok := n.(reference.Tagged); ok {
		if i := slices.IndexFunc(cands, func(c string) bool { return slices.Contains(p.tags[c], t.Tag()) }); i >= 0 {
			ref.Image = cands[i]
		}
	}
}

// topoSort is Kahn's algorithm that always takes the earliest ready image,
// so that images which do not depend on each other keep their input order.
// left are the images it could not place: they depend on each other.
func topoSort(names []string, deps map[string][]string) (sorted, left []string) {
	pending := map[string]int{} // image → its deps among names not yet placed
	for _, n := range names {
		for _, d := range deps[n] {
			if slices.Contains(names, d) {
				pending[n]++
			}
		}
	}
	done := map[string]bool{}
	for {
		i := slices.IndexFunc(names, func(n string) bool { return !done[n] && pending[n] == 0 })
		if i < 0 {
			break
		}
		done[names[i]] = true
		sorted = append(sorted, names[i])
		for _, m := range names {
			if !done[m] && slices.Contains(deps[m], names[i]) {
				pending[m]--
			}
		}
	}
	for _, n := range names {
		if !done[n] {
			left = append(left, n)
		}
	}
	return sorted, left
}

// cycleError reports one cycle among the images topoSort left over.
func (g *Graph) cycleError(reqs []Request, left []string) error {
	cycle := g.findCycle(left)
	e := &CycleError{Images: cycle}
	for i, img := range cycle {
		next := cycle[(i+1)%len(cycle)]
		j := slices.IndexFunc(g.Refs[img], func(r BaseRef) bool { return r.Image == next })
		k := slices.IndexFunc(reqs, func(r Request) bool { return r.Name == img })
		e.Refs = append(e.Refs, g.Refs[img][j])
		e.Files = append(e.Files, shownDockerfile(reqs[k]))
	}
	return e
}

// findCycle follows dependencies within left until an image repeats, which
// it must: every image left over has a dependency left over. The cycle
// starts at its image earliest in the input, so the message is stable.
func (g *Graph) findCycle(left []string) []string {
	pos := map[string]int{}
	var path []string
	n := left[0]
	for {
		if _, seen := pos[n]; seen {
			break
		}
		pos[n] = len(path)
		path = append(path, n)
		n = g.Deps[n][slices.IndexFunc(g.Deps[n], func(d string) bool { return slices.Contains(left, d) })]
	}
	cycle := path[pos[n]:]
	first := 0
	for i, c := range cycle {
		if slices.Index(left, c) < slices.Index(left, cycle[first]) {
			first = i
		}
	}
	return append(slices.Clone(cycle[first:]), cycle[:first]...)
}

// RewriteBaseRefs returns a copy of a Dockerfile's text in which every
// project-image reference of refs (from Graph.Refs for this very text) is
// replaced by exact[ref.Image], "image:tag" or "image@digest", so that a
// dependant builds on exactly the base just built. A FROM written through
// an ARG gets the literal reference. References without an exact entry and
// all other text stay as they are.
func RewriteBaseRefs(text []byte, refs []BaseRef, exact map[string]string) []byte {
	lines := strings.Split(string(text), "\n")
	esc := escapeOf(text)
	for _, r := range refs {
		to := exact[r.Image]
		if r.Image == "" || to == "" || r.Line < 1 || r.Line > len(lines) {
			continue
		}
		rewriteRef(lines, instructionWords(lines, r.Line-1, esc), r, to)
	}
	return []byte(strings.Join(lines, "\n"))
}

// rewriteRef rewrites one reference in the words of its instruction. It
// checks the keyword, so that refs from another text cannot garble this one.
func rewriteRef(lines []string, words []lineWord, r BaseRef, to string) {
	keyword, _, _ := strings.Cut(r.Instr, " ")
	if len(words) == 0 || !strings.EqualFold(words[0].text(lines), keyword) {
		return
	}
	switch r.Instr {
	case InstrFrom: // the first word after the flags, whatever ARGs it uses
		if i := slices.IndexFunc(words[1:], func(w lineWord) bool { return !strings.HasPrefix(w.text(lines), "--") }); i >= 0 {
			rewriteWords(lines, words[i+1:i+2], func(string) string { return to })
		}
	case InstrCopyFrom:
		rewriteWords(lines, words, func(s string) string {
			if v, ok := strings.CutPrefix(s, "--from="); ok && unquote(v) == r.Ref {
				return "--from=" + to
			}
			return s
		})
	case InstrMount:
		rewriteWords(lines, words, func(s string) string { return rewriteMount(s, r.Ref, to) })
	}
}

// escapeOf returns the Dockerfile's escape character (the escape
// directive), which marks continued lines.
func escapeOf(text []byte) string {
	if res, err := parser.Parse(bytes.NewReader(text)); err == nil {
		return string(res.EscapeToken)
	}
	return `\`
}

var wordPattern = regexp.MustCompile(`\S+`)

// lineWord is a whitespace-separated word of a line: lines[line][start:end].
type lineWord struct{ line, start, end int }

func (w lineWord) text(lines []string) string { return lines[w.line][w.start:w.end] }

// instructionWords splits the instruction starting at line i into words,
// following continuation lines (skipping comments and blank lines between
// them, as the parser does) and leaving out the escape characters. words[0]
// is the keyword.
func instructionWords(lines []string, i int, esc string) []lineWord {
	var words []lineWord
	for first := i; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], " \t\r")
		if t := strings.TrimSpace(l); i > first && (t == "" || strings.HasPrefix(t, "#")) {
			continue
		}
		for _, loc := range wordPattern.FindAllStringIndex(l, -1) {
			words = append(words, lineWord{i, loc[0], loc[1]})
		}
		if !strings.HasSuffix(l, esc) || len(words) == 0 {
			break
		}
		if last := &words[len(words)-1]; last.end-len(esc) > last.start {
			last.end -= len(esc)
		} else {
			words = words[:len(words)-1]
		}
	}
	return words
}

// rewriteWords replaces each word by f of its text, from the last so that
// earlier positions on a line stay valid.
func rewriteWords(lines []string, words []lineWord, f func(string) string) {
	for i := len(words) - 1; i >= 0; i-- {
		w := words[i]
		l := lines[w.line]
		lines[w.line] = l[:w.start] + f(l[w.start:w.end]) + l[w.end:]
	}
}

// unquote strips the quotes the parser strips from a flag's value.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// rewriteMount replaces from=ref in a --mount=… flag.
func rewriteMount(s, ref, to string) string {
	v, ok := strings.CutPrefix(s, "--mount=")
	if !ok {
		return s
	}
	fields := strings.Split(v, ",")
	for i, f := range fields {
		if k, val, _ := strings.Cut(f, "="); strings.EqualFold(k, "from") && val == ref {
			fields[i] = k + "=" + to
		}
	}
	return "--mount=" + strings.Join(fields, ",")
}
