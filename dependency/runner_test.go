package dependency

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/runvars"
	"github.com/devspace-engine/devspace/source"
	"github.com/devspace-engine/devspace/testbed"
)

// tree is a fake project tree: one directory per project under a temp
// dir, each with its dependencies (by name = directory) and a pipeline
// made of a Go function.
type tree struct {
	t       *testing.T
	dir     string
	configs map[string]*config.Config // by project name
	run     map[string]func(ctx context.Context, r *Runner) error
	loads   []LoadRequest
	cliVars []string // the root's --var flags
	// onLoad, when set, runs in every load before it succeeds.
	onLoad func(ctx context.Context) error
	ctx    context.Context // Options.Context

	mu  sync.Mutex
	log []string
}

func newTree(t *testing.T, deps map[string][]string) *tree {
	tr := &tree{t: t, dir: t.TempDir(), configs: map[string]*config.Config{}, run: map[string]func(context.Context, *Runner) error{}}
	for name, children := range deps {
		dir := filepath.Join(tr.dir, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		cfg := &config.Config{Name: name, Dir: dir, Path: filepath.Join(dir, "devspace.yaml"), Dependencies: map[string]*config.Dependency{}}
		for _, c := range children {
			cfg.Dependencies[c] = &config.Dependency{Name: c, SourceConfig: config.SourceConfig{Path: "../" + c}}
		}
		tr.configs[name] = cfg
	}
	return tr
}

func (tr *tree) record(s string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.log = append(tr.log, s)
}

func (tr *tree) runner() *Runner {
	root := &Project{Name: "root", Config: tr.configs["root"], Runtime: runvars.New(nil)}
	return NewRunner(root, Options{
		Context: tr.ctx,
		Load: func(ctx context.Context, req LoadRequest) (*config.Config, error) {
			tr.mu.Lock()
			tr.loads = append(tr.loads, req)
			tr.mu.Unlock()
			if tr.onLoad != nil {
				if err := tr.onLoad(ctx); err != nil {
					return nil, err
				}
			}
			cfg, ok := tr.configs[filepath.Base(req.Dir)]
			if !ok {
				return nil, errors.New("no such project")
			}
			return cfg, nil
		},
		Runtime: func(*config.Config) *runvars.Store { return runvars.New(nil) },
		CLIVars: tr.cliVars,
		Run: func(ctx context.Context, p *Project, req PipelineRequest) error {
			if f := tr.run[p.Config.Name]; f != nil {
				return f(ctx, nil)
			}
			return nil
		},
	})
}

// all is run_dependencies --all as a pipeline would call it.
func all(log io.Writer) Request {
	return Request{All: true, Log: log, Output: func(string) (io.Writer, io.Writer, func()) { return io.Discard, io.Discard, func() {} }}
}

func TestDiamondRunsOnceAndParentsWait(t *testing.T) {
	tr := newTree(t, map[string][]string{"root": {"a", "b"}, "a": {"c"}, "b": {"c"}, "c": nil})
	var r *Runner
	for _, name := range []string{"a", "b"} {
		tr.run[name] = func(ctx context.Context, _ *Runner) error {
			if err := r.Run(ctx, all(io.Discard)); err != nil {
				return err
			}
			tr.record(name)
			return nil
		}
	}
	tr.run["c"] = func(context.Context, *Runner) error {
		time.Sleep(50 * time.Millisecond) // the other parent arrives while c runs
		tr.record("c")
		return nil
	}
	r = tr.runner()
	if err := r.Run(context.Background(), all(io.Discard)); err != nil {
		t.Fatal(err)
	}
	slices.Sort(tr.log[1:])
	if got := strings.Join(tr.log, " "); got != "c a b" {
		t.Errorf("runs = %q, want c once, then a and b", got)
	}
}

func TestCyclicEdgeIsSkippedAndNamed(t *testing.T) {
	tr := newTree(t, map[string][]string{"root": {"a"}, "a": {"b"}, "b": {"a"}})
	var r *Runner
	var log bytes.Buffer
	for _, name := range []string{"a", "b"} {
		tr.run[name] = func(ctx context.Context, _ *Runner) error {
			tr.record(name)
			return r.Run(ctx, all(&log))
		}
	}
	r = tr.runner()
	if err := r.Run(context.Background(), all(&log)); err != nil {
		t.Fatal(err)
	}
	if want := "skipping dependency a: it is part of a cycle (a → b → a)\n"; log.String() != want {
		t.Errorf("log = %q, want %q", log.String(), want)
	}
	if got := strings.Join(tr.log, " "); got != "a b" {
		t.Errorf("runs = %q, want a b", got)
	}
}

// Two siblings that depend on each other, started at once, must not wait
// for each other forever.
func TestConcurrentMutualDependenciesDoNotHang(t *testing.T) {
	tr := newTree(t, map[string][]string{"root": {"a", "b"}, "a": {"b"}, "b": {"a"}})
	var r *Runner
	var log testbed.SyncBuffer
	for _, name := range []string{"a", "b"} {
		tr.run[name] = func(ctx context.Context, _ *Runner) error { return r.Run(ctx, all(&log)) }
	}
	r = tr.runner()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Run(ctx, all(&log)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "it is part of a cycle") {
		t.Errorf("log = %q, want a skipped cyclic edge", log.String())
	}
}

func TestDependencyBackToRootIsACycle(t *testing.T) {
	tr := newTree(t, map[string][]string{"root": {"a"}, "a": {"root"}})
	var r *Runner
	var log bytes.Buffer
	tr.run["a"] = func(ctx context.Context, _ *Runner) error { return r.Run(ctx, all(&log)) }
	r = tr.runner()
	if err := r.Run(context.Background(), all(&log)); err != nil {
		t.Fatal(err)
	}
	if want := "(root → a → root)"; !strings.Contains(log.String(), want) {
		t.Errorf("log = %q, want %q", log.String(), want)
	}
}

func TestFirstFailureCancelsTheRestAndNamesTheDependency(t *testing.T) {
	tr := newTree(t, map[string][]string{"root": {"a", "b"}, "a": nil, "b": nil})
	tr.run["a"] = func(context.Context, *Runner) error { return errors.New("boom") }
	tr.run["b"] = func(ctx context.Context, _ *Runner) error {
		select {
		case <-ctx.Done():
			tr.record("b cancelled")
		case <-time.After(5 * time.Second):
		}
		return ctx.Err()
	}
	err := tr.runner().Run(context.Background(), all(io.Discard))
	if err == nil || !strings.Contains(err.Error(), `dependency "a" (pipeline deploy): boom`) {
		t.Fatalf("err = %v, want dependency a's failure", err)
	}
	if !slices.Equal(tr.log, []string{"b cancelled"}) {
		t.Errorf("log = %q, want b cancelled", tr.log)
	}
}

func TestVarsNamespaceAndProfilesReachTheLoader(t *testing.T) {
	tr := newTree(t, map[string][]string{"root": {"a"}, "a": nil})
	root := tr.configs["root"]
	root.Vars = map[string]*config.Var{"SHARED": {}}
	root.Variables = map[string]string{"SHARED": "from-parent", "DEVSPACE_NAMESPACE": "parent-ns", "OTHER": "x"}
	root.Dependencies["a"].OverwriteVars = true
	root.Dependencies["a"].Vars = map[string]string{"OWN": "1", "SHARED": "dep-wins"}
	root.Dependencies["a"].Profiles = []string{"p1"}
	tr.cliVars = []string{"CLI=1", "SHARED=cli"}
	r := tr.runner()
	if err := r.Run(context.Background(), Request{Names: []string{"a"}, Output: all(nil).Output}); err != nil {
		t.Fatal(err)
	}
	got := tr.loads[0]
	if want := []string{"CLI=1", "SHARED=cli", "SHARED=from-parent", "OWN=1", "SHARED=dep-wins"}; !slices.Equal(got.Vars, want) {
		t.Errorf("vars = %q, want %q (later wins)", got.Vars, want)
	}
	if got.Namespace != "parent-ns" || !slices.Equal(got.Profiles, []string{"p1"}) {
		t.Errorf("namespace %q profiles %q, want the parent's namespace and p1", got.Namespace, got.Profiles)
	}
}

func TestSelect(t *testing.T) {
	deps := map[string]*config.Dependency{"c": {}, "a": {}, "b": {}}
	cases := []struct {
		name string
		req  Request
		want string
	}{
		{"all sorted", Request{All: true}, "a b c"},
		{"except", Request{All: true, Except: []string{"b"}}, "a c"},
		{"names in order, once", Request{Names: []string{"c", "a", "c"}}, "c a"},
		{"only", Request{All: true, Only: []string{"b"}}, "b"},
		{"skip", Request{Names: []string{"a", "b"}, Skip: []string{"a"}}, "b"},
		{"unknown", Request{Names: []string{"x"}}, "error: couldn't find dependency x (defined: a, b, c)"},
		{"none", Request{}, "error: either specify 'run_dependencies --all' or 'run_dependencies dep1 dep2'"},
	}
	for _, tc := range cases {
		names, err := Select(deps, tc.req)
		got := strings.Join(names, " ")
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestLocateChecksOutGit: a git dependency is checked out through the
// source cache (tag and subPath honoured); a ref that does not exist fails
// at the entry's position with git's reason.
func TestLocateChecksOutGit(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	repo := t.TempDir()
	gitRun := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitRun("init", "-q")
	if err := os.MkdirAll(filepath.Join(repo, "svc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "svc", "devspace.yaml"), []byte("version: v2beta1\nname: svc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitRun("add", ".")
	gitRun("commit", "-q", "-m", "svc")
	gitRun("tag", "v1")

	dir := t.TempDir()
	src := "version: v2beta1\nname: p\ndependencies:\n  remote:\n    git: file://" + repo + "\n    tag: v1\n    subPath: svc\n  missing:\n    git: file://" + repo + "\n    tag: v9\n"
	path := filepath.Join(dir, "devspace.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.LoadOptions{File: path, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := Locate(context.Background(), cfg, "remote", cfg.Dependencies["remote"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(loc.ConfigFile()); err != nil || filepath.Base(loc.Dir) != "svc" {
		t.Errorf("location %+v: %v", loc, err)
	}
	_, err = Locate(context.Background(), cfg, "missing", cfg.Dependencies["missing"])
	if err == nil || !strings.Contains(err.Error(), "/devspace.yaml:9:10: dependency \"missing\": ") || !strings.Contains(err.Error(), "v9") {
		t.Errorf("err = %v, want the entry's position and the ref", err)
	}
}

func TestIgnoredAndDisabledDependenciesAreNotRun(t *testing.T) {
	tr := newTree(t, map[string][]string{"root": {"a", "off"}, "a": {"b"}, "b": nil, "off": nil})
	tr.configs["root"].Dependencies["a"].IgnoreDependencies = true
	tr.configs["root"].Dependencies["off"].Disabled = true
	var r *Runner
	var inner error
	tr.run["a"] = func(ctx context.Context, _ *Runner) error {
		tr.record("a")
		inner = r.Run(ctx, Request{Names: []string{"b"}, Output: all(nil).Output})
		return r.Run(ctx, all(io.Discard))
	}
	tr.run["b"] = func(context.Context, *Runner) error { tr.record("b"); return nil }
	tr.run["off"] = func(context.Context, *Runner) error { tr.record("off"); return nil }
	r = tr.runner()
	if err := r.Run(context.Background(), all(io.Discard)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tr.log, []string{"a"}) {
		t.Errorf("runs = %q, want only a", tr.log)
	}
	if inner == nil || !strings.Contains(inner.Error(), "couldn't find dependency b") {
		t.Errorf("naming an ignored dependency: err = %v", inner)
	}
	err := r.Run(context.Background(), Request{Names: []string{"off"}, Output: all(nil).Output})
	if err == nil || !strings.Contains(err.Error(), "couldn't find dependency off") {
		t.Errorf("naming a disabled dependency: err = %v", err)
	}
}

func TestContinueOnErrorRunsEveryDependencyAndReportsAllFailures(t *testing.T) {
	tr := newTree(t, map[string][]string{"root": {"a", "b", "c"}, "a": nil, "b": nil, "c": nil})
	tr.run["a"] = func(context.Context, *Runner) error { return errors.New("a broke") }
	tr.run["b"] = func(ctx context.Context, _ *Runner) error {
		time.Sleep(50 * time.Millisecond) // still running when a fails
		if ctx.Err() != nil {
			return ctx.Err()
		}
		tr.record("b")
		return nil
	}
	tr.run["c"] = func(context.Context, *Runner) error { return errors.New("c broke") }
	for _, sequential := range []bool{false, true} {
		tr.log = nil
		req := all(io.Discard)
		req.ContinueOnError, req.Sequential = true, sequential
		err := tr.runner().Run(context.Background(), req)
		if err == nil || !strings.Contains(err.Error(), `dependency "a" (pipeline deploy): a broke`) || !strings.Contains(err.Error(), `dependency "c" (pipeline deploy): c broke`) {
			t.Errorf("sequential=%v: err = %v, want both failures", sequential, err)
		}
		if !slices.Equal(tr.log, []string{"b"}) {
			t.Errorf("sequential=%v: runs = %q, want b to finish", sequential, tr.log)
		}
	}
}

// TestSiblingsAreLoadedAndClaimedBeforeAnyRuns: root depends on a and b,
// and b on a too. Whatever the timing, a is loaded with root's request
// (its vars) and run by root, not by b, whose pipeline may reach a first:
// every dependency of a parent is loaded and claimed before any of them
// starts, as DevSpace resolves its tree before running anything.
func TestSiblingsAreLoadedAndClaimedBeforeAnyRuns(t *testing.T) {
	tr := newTree(t, map[string][]string{"root": {"a", "b"}, "a": nil, "b": {"a"}})
	tr.configs["root"].Dependencies["a"].Vars = map[string]string{"FROM": "root"}
	var r *Runner
	var claimedBy []string
	var mu sync.Mutex
	request := func(parent string) Request {
		req := all(io.Discard)
		req.Output = func(name string) (io.Writer, io.Writer, func()) {
			mu.Lock()
			claimedBy = append(claimedBy, parent+" runs "+name)
			mu.Unlock()
			return io.Discard, io.Discard, func() {}
		}
		return req
	}
	tr.run["b"] = func(ctx context.Context, _ *Runner) error {
		tr.mu.Lock()
		loaded := len(tr.loads)
		tr.mu.Unlock()
		if loaded < 2 {
			t.Errorf("b started before its sibling a was loaded (%d loads)", loaded)
		}
		return r.Run(ctx, request("b"))
	}
	r = tr.runner()
	load := r.opts.Load
	r.opts.Load = func(ctx context.Context, req LoadRequest) (*config.Config, error) {
		if filepath.Base(req.Dir) == "a" {
			time.Sleep(100 * time.Millisecond) // a slow load: b's pipeline would get there first
		}
		return load(ctx, req)
	}
	if err := r.Run(context.Background(), request("root")); err != nil {
		t.Fatal(err)
	}
	for _, l := range tr.loads {
		if filepath.Base(l.Dir) == "a" && !slices.Equal(l.Vars, []string{"FROM=root"}) {
			t.Errorf("a was loaded with vars %q, want root's FROM=root", l.Vars)
		}
	}
	slices.Sort(claimedBy)
	if want := []string{"root runs a", "root runs b"}; !slices.Equal(claimedBy, want) {
		t.Errorf("runs = %q, want %q", claimedBy, want)
	}
}

// within fails the test when f does not return within 10 s.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s kept waiting after its context ended", what)
		return nil
	}
}

// TestRuntimeLoadWithoutAContextStopsWithTheRun: ${runtime.dependencies…}
// read where no caller context reaches (an environment lookup) loads the
// dependency under the run's context, so cancelling the run stops it.
func TestRuntimeLoadWithoutAContextStopsWithTheRun(t *testing.T) {
	tr := newTree(t, map[string][]string{"root": {"a"}, "a": nil})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	tr.ctx = ctx
	tr.onLoad = func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	r := tr.runner()
	err := within(t, "Lookup", func() error {
		_, err := r.Root().Runtime.Lookup("dependencies.a.images.app")
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Lookup = %v, want the run's deadline", err)
	}
}

// TestWaitingForAnotherLoadStopsWithItsContext: a caller that needs a
// dependency another caller is loading waits, but not past its own
// context; and a load cut short by its context is not remembered, so the
// next caller loads it.
func TestWaitingForAnotherLoadStopsWithItsContext(t *testing.T) {
	tr := newTree(t, map[string][]string{"root": {"a"}, "a": nil})
	release := make(chan struct{})
	started := make(chan struct{})
	var once sync.Once
	tr.onLoad = func(ctx context.Context) error {
		once.Do(func() { close(started) })
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r := tr.runner()
	firstCtx, cancelFirst := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := r.Project(firstCtx, nil, "a"); first <- err }()
	<-started
	waitCtx, cancelWait := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelWait()
	err := within(t, "Project", func() error { _, err := r.Project(waitCtx, nil, "a"); return err })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting caller: %v, want its deadline", err)
	}
	cancelFirst()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("first load: %v, want cancelled", err)
	}
	close(release)
	p, err := r.Project(context.Background(), nil, "a")
	if err != nil || p.Config != tr.configs["a"] {
		t.Errorf("after a cancelled load: %v, %v; want a loaded", p, err)
	}
}

// TestSequentialRunFetchesGitDependenciesInParallel: a --sequential run
// runs its dependencies in order but fetches their repositories at once
// (the server holds each fetch until all three are in flight), one fetch
// per repository.
func TestSequentialRunFetchesGitDependenciesInParallel(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	names := []string{"a", "b", "c"}
	repos := t.TempDir()
	for _, n := range names {
		testbed.BareRepo(t, repos, n+".git", map[string]string{n + "/devspace.yaml": "version: v2beta1\n"})
	}
	srv := testbed.ServeGit(t, repos)
	srv.HoldUntil(len(names))
	tr := newTree(t, map[string][]string{"root": nil, "a": nil, "b": nil, "c": nil})
	for _, n := range names {
		tr.configs["root"].Dependencies[n] = &config.Dependency{Name: n,
			SourceConfig: config.SourceConfig{Git: srv.URL + "/" + n + ".git", SubPath: n}}
		tr.run[n] = func(context.Context, *Runner) error { tr.record(n); return nil }
	}
	req := all(io.Discard)
	req.Sequential = true
	if err := tr.runner().Run(source.WithRun(context.Background(), source.NewRun()), req); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tr.log, names) {
		t.Errorf("ran %q, want %q in order", tr.log, names)
	}
	if peak, ops := srv.Peak(), srv.Ops(); peak != len(names) || ops != int64(len(names)) {
		t.Errorf("%d fetches, at most %d at once; want %d, all at once", ops, peak, len(names))
	}
}
