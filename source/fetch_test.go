package source

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// gitServer serves the bare repositories in a directory over smart HTTP
// (`git http-backend`) on loopback and counts the git operations that
// reach it: each clone or fetch asks for info/refs once.
type gitServer struct {
	url string
	ops atomic.Int64
	// barrier, when above 1, holds each info/refs request until that many
	// are in flight at once (or 5 s pass); maxInFlight says how many were.
	barrier     int
	mu          sync.Mutex
	inFlight    int
	maxInFlight int
	arrived     *sync.Cond
}

func serveGit(t testing.TB, root string, barrier int) *gitServer {
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	backend := &cgi.Handler{Path: gitPath, Args: []string{"http-backend"},
		Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}, Stderr: io.Discard}
	s := &gitServer{barrier: barrier}
	s.arrived = sync.NewCond(&s.mu)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/info/refs") {
			s.ops.Add(1)
			s.enter()
			defer s.leave()
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *gitServer) enter() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.arrived.Broadcast()
	deadline := time.AfterFunc(5*time.Second, func() { s.mu.Lock(); s.arrived.Broadcast(); s.mu.Unlock() })
	defer deadline.Stop()
	start := time.Now()
	for s.inFlight < s.barrier && s.maxInFlight < s.barrier && time.Since(start) < 5*time.Second {
		s.arrived.Wait()
	}
}

// peak is the most info/refs requests that were in flight at once.
func (s *gitServer) peak() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

func (s *gitServer) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
}

// origins makes n bare repositories under one directory, each with a
// commit of app/file.txt, and returns the directory.
func origins(t testing.TB, n int) string {
	root := t.TempDir()
	for i := range n {
		work := t.TempDir()
		run(t, work, "init", "--quiet", "--initial-branch=main")
		if err := writeFile(filepath.Join(work, "app", "file.txt"), "v1"); err != nil {
			t.Fatal(err)
		}
		run(t, work, "add", ".")
		run(t, work, "commit", "--quiet", "-m", "v1")
		run(t, "", "clone", "--quiet", "--bare", work, filepath.Join(root, repoName(i)))
	}
	return root
}

func repoName(i int) string { return "repo" + string(rune('a'+i)) + ".git" }

// TestOneFetchPerRepositoryPerRun: several sources in one repository
// (other subPaths, asked for at once and one after another) make one
// network operation per run; a new run fetches again, once.
func TestOneFetchPerRepositoryPerRun(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	srv := serveGit(t, origins(t, 1), 0)
	spec := Spec{Git: srv.url + "/" + repoName(0), Branch: "main"}
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
		if got := srv.ops.Load(); got != want {
			t.Errorf("run %d: %d git operations in all, want %d (one per run)", round+1, got, want)
		}
	}
}

// TestDisablePullMakesNoNetworkAccess: with a cached clone, a disablePull
// source reaches no server, in a new run as well.
func TestDisablePullMakesNoNetworkAccess(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	srv := serveGit(t, origins(t, 1), 0)
	spec := Spec{Git: srv.url + "/" + repoName(0), Tag: "", Branch: "main"}
	if _, err := Resolve(WithRun(context.Background(), NewRun()), spec, ""); err != nil {
		t.Fatal(err)
	}
	before := srv.ops.Load()
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
	if got := srv.ops.Load() - before; got != 0 {
		t.Errorf("%d git operations with disablePull on a cached clone, want none", got)
	}
}

// TestPrefetchFetchesRepositoriesInParallel: independent repositories are
// fetched at the same time, not one after another: the server holds each
// request until all three are in flight.
func TestPrefetchFetchesRepositoriesInParallel(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	const n = 3
	srv := serveGit(t, origins(t, n), n)
	var specs []Spec
	for i := range n {
		specs = append(specs, Spec{Git: srv.url + "/" + repoName(i)})
	}
	ctx := WithRun(context.Background(), NewRun())
	Prefetch(ctx, specs)
	if got := srv.peak(); got != n {
		t.Errorf("at most %d repositories were fetched at once, want %d", got, n)
	}
	for _, spec := range specs { // already fetched: no more network
		if _, err := Resolve(ctx, spec, ""); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.ops.Load(); got != n {
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

func writeFile(path, content string) error {
	if err := mkdirAll(filepath.Dir(path)); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

func mkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }
