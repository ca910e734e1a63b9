package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/devspace-engine/devspace/testbed"
)

// origins makes n bare repositories under one directory, each with a
// commit of app/file.txt, and returns the directory.
func origins(t testing.TB, n int) string {
	root := t.TempDir()
	for i := range n {
		testbed.BareRepo(t, root, repoName(i), map[string]string{"app/file.txt": "v1"})
	}
	return root
}

func repoName(i int) string { return "repo" + string(rune('a'+i)) + ".git" }

// TestOneFetchPerRepositoryPerRun: several sources in one repository
// (other subPaths, asked for at once and one after another) make one
// network operation per run; a new run fetches again, once.
func TestOneFetchPerRepositoryPerRun(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	srv := testbed.ServeGit(t, origins(t, 1))
	spec := Spec{Git: srv.URL + "/" + repoName(0), Branch: "main"}
	for round, want := range []int64{1, 2} {
		ctx := WithRun(context.Background(), NewRun())
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if _, err := Resolve(ctx, spec, ""); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		sub := spec
		sub.SubPath = "app"
		if _, err := Resolve(ctx, sub, ""); err != nil {
			t.Fatal(err)
		}
		if got := srv.Ops(); got != want {
			t.Errorf("run %d: %d git operations in all, want %d (one per run)", round+1, got, want)
		}
	}
}

// TestDisablePullMakesNoNetworkAccess: with a cached clone, a disablePull
// source reaches no server, in a new run as well.
func TestDisablePullMakesNoNetworkAccess(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	srv := testbed.ServeGit(t, origins(t, 1))
	spec := Spec{Git: srv.URL + "/" + repoName(0), Tag: "", Branch: "main"}
	if _, err := Resolve(WithRun(context.Background(), NewRun()), spec, ""); err != nil {
		t.Fatal(err)
	}
	before := srv.Ops()
	spec.DisablePull = true
	for range 2 {
		dir, err := Resolve(WithRun(context.Background(), NewRun()), spec, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := read(t, dir, "app/file.txt"); got != "v1" {
			t.Errorf("file.txt = %q", got)
		}
	}
	if got := srv.Ops() - before; got != 0 {
		t.Errorf("%d git operations with disablePull on a cached clone, want none", got)
	}
}

// TestPrefetchFetchesRepositoriesInParallel: independent repositories are
// fetched at the same time, not one after another: the server holds each
// request until all three are in flight.
func TestPrefetchFetchesRepositoriesInParallel(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	const n = 3
	srv := testbed.ServeGit(t, origins(t, n))
	srv.HoldUntil(n)
	var specs []Spec
	for i := range n {
		specs = append(specs, Spec{Git: srv.URL + "/" + repoName(i)})
	}
	ctx := WithRun(context.Background(), NewRun())
	Prefetch(ctx, specs)
	if got := srv.Peak(); got != n {
		t.Errorf("at most %d repositories were fetched at once, want %d", got, n)
	}
	for _, spec := range specs { // already fetched: no more network
		if _, err := Resolve(ctx, spec, ""); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.Ops(); got != n {
		t.Errorf("%d git operations, want %d", got, n)
	}
}

// TestWaitingForTheCloneLockStopsWithTheContext: another run holding the
// cache entry's lock (a long clone) does not keep Ctrl-C waiting.
func TestWaitingForTheCloneLockStopsWithTheContext(t *testing.T) {
	o := newOrigin(t)
	spec := Spec{Git: o.url()}
	entry, err := entryDir(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := mkdirAll(entry); err != nil {
		t.Fatal(err)
	}
	held := flock.New(filepath.Join(entry, "state.lock"))
	if err := held.Lock(); err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := Resolve(WithRun(ctx, NewRun()), spec, ""); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the deadline", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still waiting for the lock after the context ended")
	}
}

// TestRunForgetsCancelledFetchesOnly: a fetch cut short by its caller's
// cancellation is run again by the next caller; a failed one is not.
func TestRunForgetsCancelledFetchesOnly(t *testing.T) {
	r := NewRun()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	fetch := func() error { calls++; return errors.New("no such ref") }
	if err := r.once(ctx, "k", func() error { calls++; return ctx.Err() }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	for range 2 {
		if err := r.once(context.Background(), "k", fetch); err == nil || err.Error() != "no such ref" {
			t.Fatalf("err = %v", err)
		}
	}
	if calls != 2 {
		t.Errorf("fetch ran %d times, want 2 (the cancelled one, then one remembered failure)", calls)
	}
}

func mkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }

// TestCancelledCloneIsTriedAgain: a clone cut short by its caller's
// cancellation returns at once with the context's error (not git's
// "killed"), without waiting for the slow server (git's HTTP helper is
// stopped too), and the run does not remember it: the next caller clones.
func TestCancelledCloneIsTriedAgain(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	srv := testbed.ServeGit(t, origins(t, 1))
	srv.SetLatency(5 * time.Second)
	spec := Spec{Git: srv.URL + "/" + repoName(0)}
	run := WithRun(context.Background(), NewRun())
	ctx, cancel := context.WithTimeout(run, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := Resolve(ctx, spec, ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled clone: err = %v, want the deadline", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the cancelled clone returned after %v: it waited for the server", took)
	}
	srv.SetLatency(0)
	dir, err := Resolve(run, spec, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, dir, "app/file.txt"); got != "v1" {
		t.Errorf("file.txt = %q", got)
	}
}
