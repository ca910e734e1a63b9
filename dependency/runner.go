// Package dependency runs the pipelines of the projects a devspace.yaml
// depends on (`dependencies:`, `run_dependencies`). Each dependency is a
// project of its own (its directory, config, profiles, variables,
// namespace and .devspace/ state); the whole tree is one graph in which a
// project reached twice runs once and a cyclic edge is skipped. Loading a
// config and running a pipeline are the caller's: they come in as
// functions, so this package knows neither the CLI nor the builtins.
package dependency

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/sourcegraph/conc/pool"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/runvars"
)

// Project is one project of the tree: the root or a dependency.
type Project struct {
	// Name is what its parent calls it; the root's is its config's name.
	Name    string
	Config  *config.Config
	Runtime *runvars.Store
	// CLIFlags are the flags its pipelines see as the CLI's: the parent's,
	// with -n set to the dependency's namespace.
	CLIFlags map[string]string
	// ignoreDependencies hides the project's own dependencies.
	ignoreDependencies bool
	key                string
}

// LoadRequest says how to load a dependency's config.
type LoadRequest struct {
	Location
	// Vars are KEY=VALUE values that win over the file's (like --var),
	// later ones over earlier ones: the root's --var flags, then the
	// parent's variables (overwriteVars), then the dependency's vars.
	Vars                     []string
	Profiles                 []string
	DisableProfileActivation bool
	// Namespace is the dependency's namespace, or its parent's.
	Namespace string
}

// PipelineRequest is one pipeline to run in a project.
type PipelineRequest struct {
	Pipeline string
	// Flags are --set-flag values.
	Flags map[string]string
	// Stdin is the caller's; a dependency running alongside others gets
	// an empty one (they cannot share it).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Options are the runner's inputs.
type Options struct {
	// Load loads a dependency's config.
	Load func(ctx context.Context, req LoadRequest) (*config.Config, error)
	// Runtime makes a project's runtime store.
	Runtime func(cfg *config.Config) *runvars.Store
	// Run runs a pipeline of a project (an engine with the project's
	// config, runtime store and CLI flags, in its directory). ctx carries
	// the project (Current).
	Run func(ctx context.Context, p *Project, req PipelineRequest) error
	// Context is the run's: it bounds loads started where no caller
	// context reaches (a runtime variable read from the environment).
	Context context.Context
	// CLIVars are the root's --var flags (KEY=VALUE). As in DevSpace,
	// every dependency of the tree gets them, below overwriteVars and the
	// dependency's own vars.
	CLIVars []string
}

// Runner runs dependencies for one process: one graph for the whole tree.
type Runner struct {
	opts Options
	root *Project
	reg  *registry
}

// NewRunner returns a runner for the tree under root.
func NewRunner(root *Project, opts Options) *Runner {
	root.key = root.Config.Path
	r := &Runner{opts: opts, root: root, reg: newRegistry()}
	r.reg.node(root.key, root.Name).project = root
	r.linkRuntime(root)
	return r
}

// linkRuntime lets p's runtime variables reach its dependencies' stores
// (${runtime.dependencies.NAME.images.IMG.tag}). A dependency not loaded
// yet is loaded then, under the reader's context; readers without one
// (environment lookups, config values) get the run's (Options.Context),
// so that Ctrl-C stops the load (a git checkout) either way.
func (r *Runner) linkRuntime(p *Project) {
	if p.Runtime == nil {
		return
	}
	p.Runtime.SetDependencies(func(ctx context.Context, name string) (*runvars.Store, error) {
		if ctx.Done() == nil && r.opts.Context != nil {
			ctx = r.opts.Context // a context that is never cancelled: use the run's
		}
		dep, err := r.Project(ctx, p, name)
		if err != nil {
			return nil, err
		}
		return dep.Runtime, nil
	})
}

// Root is the project the run started in.
func (r *Runner) Root() *Project { return r.root }

type projectKey struct{}

// Current is the project whose pipeline ctx belongs to; nil in the root.
func Current(ctx context.Context) *Project {
	p, _ := ctx.Value(projectKey{}).(*Project)
	return p
}

// IsDependency reports whether ctx belongs to a dependency's pipeline.
func IsDependency(ctx context.Context) bool { return Current(ctx) != nil }

// current is ctx's project, the root outside dependencies.
func (r *Runner) current(ctx context.Context) *Project {
	if p := Current(ctx); p != nil {
		return p
	}
	return r.root
}

// Request is one run_dependencies call.
type Request struct {
	Names []string
	All   bool
	// Except is skipped with All.
	Except []string
	// Only and Skip are the CLI's --dependency and --skip-dependency.
	Only, Skip []string
	// Pipeline overrides each dependency's pipeline.
	Pipeline   string
	Sequential bool
	// Flags are --set-flag values for the dependencies' pipelines.
	Flags map[string]string
	// Output returns the writers of one dependency's output; done flushes them.
	Output func(name string) (stdout, stderr io.Writer, done func())
	// Log receives messages about skipped dependencies.
	Log   io.Writer
	Stdin io.Reader
	// ContinueOnError runs every dependency even when one fails and
	// returns all failures (the calling pipeline's continueOnError).
	ContinueOnError bool
	// Emit reports the hook events of resolving the dependencies
	// (before:resolveDependencies…); an error from it fails the run.
	Emit func(ctx context.Context, event string, data map[string]string) error
}

// Run runs the requested dependencies of ctx's project: concurrently by
// default, the first failure cancelling the rest; in order with
// Sequential. All of them are loaded first (resolving the tree, between
// the resolveDependencies events), at once so that git sources fetch in
// parallel; only then does any start. A project that a sibling also
// depends on (a diamond) is thus loaded with this parent's vars and run by
// it, whatever the timing, as DevSpace resolves its tree before running
// anything. Dependencies already run (or running) elsewhere in the tree
// are waited for, not run again.
func (r *Runner) Run(ctx context.Context, req Request) error {
	from := r.current(ctx)
	names, err := Select(from.dependencies(), req)
	if err != nil {
		return err
	}
	nodes, loadErrs, err := r.resolveAll(ctx, from, names, req)
	if err != nil {
		return err
	}
	if req.Sequential || len(names) <= 1 {
		var errs []error
		for i, name := range names {
			err := loadErrs[i]
			if err == nil {
				err = r.runClaimed(ctx, from, name, nodes[i], r.claim(from, name, nodes[i], req), req, req.Stdin)
			}
			if err != nil {
				if !req.ContinueOnError {
					return err
				}
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	return r.runConcurrently(ctx, from, names, nodes, loadErrs, req)
}

// resolveAll loads the named dependencies of from at once, between the
// events before:resolveDependencies and after:resolveDependencies (or
// error:resolveDependencies when one fails to load, which only warns). The
// load errors are per dependency; err is a failed event or, without
// ContinueOnError, the first load error.
func (r *Runner) resolveAll(ctx context.Context, from *Project, names []string, req Request) (nodes []*node, loadErrs []error, err error) {
	if len(names) == 0 {
		return nil, nil, nil
	}
	if err := req.emit(ctx, "before:resolveDependencies", nil); err != nil {
		return nil, nil, err
	}
	nodes = make([]*node, len(names))
	loadErrs = make([]error, len(names))
	loads := pool.New().WithContext(ctx)
	for i, name := range names {
		loads.Go(func(ctx context.Context) error {
			nodes[i], loadErrs[i] = r.resolve(ctx, from, name)
			return nil
		})
	}
	_ = loads.Wait() // the errors are in loadErrs
	if failed := errors.Join(loadErrs...); failed != nil {
		_ = req.emit(ctx, "error:resolveDependencies", map[string]string{"error": failed.Error()}) // error hooks only warn
		if !req.ContinueOnError {
			return nil, nil, firstError(loadErrs)
		}
		return nodes, loadErrs, nil
	}
	return nodes, loadErrs, req.emit(ctx, "after:resolveDependencies", nil)
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// emit reports a hook event through req.Emit, if set.
func (req Request) emit(ctx context.Context, event string, data map[string]string) error {
	if req.Emit == nil {
		return nil
	}
	return req.Emit(ctx, event, data)
}

// runConcurrently claims the loaded dependencies in order, and only then
// starts them, so that the claims do not depend on timing.
func (r *Runner) runConcurrently(ctx context.Context, from *Project, names []string, nodes []*node, loadErrs []error, req Request) error {
	p := pool.New().WithErrors().WithContext(ctx)
	if !req.ContinueOnError {
		p = p.WithCancelOnError().WithFirstError()
	}
	for i, name := range names {
		if loadErrs[i] != nil {
			p.Go(func(context.Context) error { return loadErrs[i] })
			continue
		}
		how := r.claim(from, name, nodes[i], req)
		p.Go(func(ctx context.Context) error {
			return r.runClaimed(ctx, from, name, nodes[i], how, req, strings.NewReader(""))
		})
	}
	return p.Wait()
}

// dependencies are the project's enabled dependencies.
func (p *Project) dependencies() map[string]*config.Dependency {
	out := map[string]*config.Dependency{}
	if p.ignoreDependencies {
		return out
	}
	for name, d := range p.Config.Dependencies {
		if d != nil && !d.Disabled {
			out[name] = d
		}
	}
	return out
}

// Select returns the dependencies a request runs, sorted, after the
// filters: named ones (unknown names fail) or all but --except, then the
// CLI's --dependency and --skip-dependency.
func Select(deps map[string]*config.Dependency, req Request) ([]string, error) {
	var names []string
	switch {
	case len(req.Names) > 0:
		for _, n := range req.Names {
			if _, ok := deps[n]; !ok {
				return nil, unknownError(n, deps)
			}
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	case req.All:
		for _, n := range slices.Sorted(maps.Keys(deps)) {
			if !slices.Contains(req.Except, n) {
				names = append(names, n)
			}
		}
	default:
		return nil, errors.New("either specify 'run_dependencies --all' or 'run_dependencies dep1 dep2'")
	}
	return slices.DeleteFunc(names, func(n string) bool {
		return (len(req.Only) > 0 && !slices.Contains(req.Only, n)) || slices.Contains(req.Skip, n)
	}), nil
}

func unknownError(name string, deps map[string]*config.Dependency) error {
	known := "devspace.yaml has no enabled dependencies"
	if len(deps) > 0 {
		known = "defined: " + strings.Join(slices.Sorted(maps.Keys(deps)), ", ")
	}
	return fmt.Errorf("couldn't find dependency %s (%s)", name, known)
}

// claim records the edge from → n and says whether from runs n, waits for
// it, or skips it (a cycle, said on req.Log).
func (r *Runner) claim(from *Project, name string, n *node, req Request) claim {
	_, how, cycle := r.reg.claim(from.key, n.project.key, name)
	if how == claimCycle {
		fmt.Fprintf(req.Log, "skipping dependency %s: it is part of a cycle (%s)\n", name, cycle)
	}
	return how
}

// runClaimed does what claim decided. A claimed run always finishes n,
// even when ctx is already cancelled, so that its waiters are released.
func (r *Runner) runClaimed(ctx context.Context, from *Project, name string, n *node, how claim, req Request, stdin io.Reader) error {
	switch how {
	case claimCycle:
		return nil
	case claimWait:
		select {
		case <-n.done:
			return n.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	n.finish(r.runPipeline(ctx, n.project, name, from.Config.Dependencies[name], req, stdin))
	return n.err
}

// runPipeline runs the pipeline of dependency p, which its parent calls
// name: --pipeline, else the dependency's pipeline, else deploy.
func (r *Runner) runPipeline(ctx context.Context, p *Project, name string, dep *config.Dependency, req Request, stdin io.Reader) error {
	pipeline := req.Pipeline
	if pipeline == "" {
		pipeline = dep.Pipeline
	}
	if pipeline == "" {
		pipeline = "deploy"
	}
	stdout, stderr, done := req.Output(name)
	defer done()
	err := r.opts.Run(context.WithValue(ctx, projectKey{}, p), p, PipelineRequest{Pipeline: pipeline, Flags: req.Flags, Stdin: stdin, Stdout: stdout, Stderr: stderr})
	if err != nil {
		return fmt.Errorf("dependency %q (pipeline %s): %w", name, pipeline, err)
	}
	return nil
}

// Project returns the loaded project of ctx's dependency name (loading
// it if nothing ran it yet), for get_image --dependency and
// ${runtime.dependencies.NAME…}.
func (r *Runner) Project(ctx context.Context, from *Project, name string) (*Project, error) {
	if from == nil {
		from = r.current(ctx)
	}
	if _, ok := from.dependencies()[name]; !ok {
		return nil, unknownError(name, from.dependencies())
	}
	n, err := r.resolve(ctx, from, name)
	if err != nil {
		return nil, err
	}
	return n.project, nil
}

// resolve returns the node of from's dependency name with its project
// loaded (once per project, whoever asks first).
func (r *Runner) resolve(ctx context.Context, from *Project, name string) (*node, error) {
	dep := from.Config.Dependencies[name]
	loc, err := Locate(ctx, from.Config, name, dep)
	if err != nil {
		return nil, err
	}
	n := r.reg.node(loc.ConfigFile(), name)
	if _, err := n.load(ctx, func() (*Project, error) { return r.load(ctx, from, name, dep, loc) }); err != nil {
		return nil, err
	}
	return n, nil
}

func (r *Runner) load(ctx context.Context, from *Project, name string, dep *config.Dependency, loc Location) (*Project, error) {
	req := LoadRequest{Location: loc, Profiles: dep.Profiles, DisableProfileActivation: dep.DisableProfileActivation,
		Namespace: dep.Namespace}
	if req.Namespace == "" {
		req.Namespace = from.Config.Variables["DEVSPACE_NAMESPACE"]
	}
	req.Vars = slices.Clone(r.opts.CLIVars)
	if dep.OverwriteVars {
		for _, v := range slices.Sorted(maps.Keys(from.Config.Vars)) {
			if val, ok := from.Config.Variables[v]; ok {
				req.Vars = append(req.Vars, v+"="+val)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(dep.Vars)) {
		req.Vars = append(req.Vars, k+"="+dep.Vars[k])
	}
	cfg, err := r.opts.Load(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("load dependency %q: %w", name, err)
	}
	flags := maps.Clone(from.CLIFlags)
	if flags == nil {
		flags = map[string]string{}
	}
	if dep.Namespace != "" {
		flags["namespace"] = dep.Namespace
	}
	p := &Project{Name: name, Config: cfg, Runtime: r.opts.Runtime(cfg), CLIFlags: flags,
		ignoreDependencies: dep.IgnoreDependencies, key: loc.ConfigFile()}
	r.linkRuntime(p)
	return p, nil
}

// Entry is one dependency in the tree, for `devspace list dependencies`.
type Entry struct {
	// Chain names the dependency through its parents (web/shared).
	Chain    []string
	Dir      string
	Pipeline string
	// Note says why the entry's own dependencies are not listed: seen
	// earlier in the tree, cyclic, or ignoreDependencies.
	Note string
}

// Tree walks the whole tree depth first, loading every dependency once; a
// project reached again is listed without its dependencies.
func (r *Runner) Tree(ctx context.Context) ([]Entry, error) {
	var out []Entry
	seen := map[string]bool{r.root.key: true}
	var walk func(p *Project, chain []string) error
	walk = func(p *Project, chain []string) error {
		deps := p.dependencies()
		prefetch(ctx, p, slices.Collect(maps.Keys(deps)))
		for _, name := range slices.Sorted(maps.Keys(deps)) {
			n, err := r.resolve(ctx, p, name)
			if err != nil {
				return err
			}
			e := Entry{Chain: append(slices.Clone(chain), name), Dir: n.project.Config.Dir,
				Pipeline: cmp.Or(deps[name].Pipeline, "deploy")}
			switch {
			case slices.Contains(chain, name) || n.project.key == r.root.key:
				e.Note = "cyclic: not run again"
			case seen[n.project.key]:
				e.Note = "runs once, listed above"
			case n.project.ignoreDependencies:
				e.Note = "ignoreDependencies"
			}
			out = append(out, e)
			if e.Note == "" {
				seen[n.project.key] = true
				if err := walk(n.project, e.Chain); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(r.root, nil)
}

// Running lists the dependencies ctx's project has run or is running in
// this run (through run_dependencies, directly or further down its tree),
// nearest first. A project may wait for what these build: none of them
// waits for it.
func (r *Runner) Running(ctx context.Context) []Running {
	return r.reg.claimedFrom(r.current(ctx).key)
}
