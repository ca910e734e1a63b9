package testbed

import (
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
)

// GitServer serves the bare repositories under a directory over smart
// HTTP (`git http-backend`) on loopback, as a git host would, and counts
// the git operations that reach it: each clone, fetch or ls-remote asks
// for info/refs once.
type GitServer struct {
	// URL is the server's; a repository root/NAME is URL/NAME.
	URL string
	ops atomic.Int64

	mu       sync.Mutex
	arrived  *sync.Cond
	hold     int // see HoldUntil
	latency  time.Duration
	inFlight int
	peak     int
}

// holdLimit bounds how long HoldUntil keeps a request waiting.
const holdLimit = 5 * time.Second

// ServeGit serves root's bare repositories until the test ends.
func ServeGit(t testing.TB, root string) *GitServer {
	t.Helper()
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	backend := &cgi.Handler{Path: gitPath, Args: []string{"http-backend"},
		Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}, Stderr: io.Discard}
	s := &GitServer{}
	s.arrived = sync.NewCond(&s.mu)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		latency := s.latency
		s.mu.Unlock()
		select {
		case <-time.After(latency):
		case <-r.Context().Done(): // the client gave up
			return
		}
		if strings.HasSuffix(r.URL.Path, "/info/refs") {
			s.ops.Add(1)
			s.enter()
			defer s.leave()
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// HoldUntil makes each operation wait (at most 5 s) until n are in
// flight at once, so that Peak tells whether a client runs n in parallel.
func (s *GitServer) HoldUntil(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = n
}

// SetLatency delays every request by d, as a remote host's round trip
// would (a fetch makes two or three requests).
func (s *GitServer) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Ops is the number of git operations served so far.
func (s *GitServer) Ops() int64 { return s.ops.Load() }

// Peak is the most operations that were in flight at once.
func (s *GitServer) Peak() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

func (s *GitServer) enter() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight++
	s.peak = max(s.peak, s.inFlight)
	s.arrived.Broadcast()
	wake := time.AfterFunc(holdLimit, func() { s.mu.Lock(); s.arrived.Broadcast(); s.mu.Unlock() })
	defer wake.Stop()
	start := time.Now()
	for s.peak < s.hold && time.Since(start) < holdLimit {
		s.arrived.Wait()
	}
}

func (s *GitServer) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
}

// BareRepo commits files (see WriteTree) on branch main of a new
// repository, tags the commit v1, and clones it bare to root/name.
func BareRepo(t testing.TB, root, name string, files map[string]string) {
	t.Helper()
	work := t.TempDir()
	WriteTree(t, work, files)
	for _, args := range [][]string{
		{"init", "--quiet", "--initial-branch=main"},
		{"add", "."},
		{"commit", "--quiet", "-m", "v1"},
		{"tag", "v1"},
		{"clone", "--quiet", "--bare", ".", filepath.Join(root, name)},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// Git runs git with args in dir as a fixed author and committer (so
// commits need no user config) and returns its trimmed output; a failure
// ends the test with git's output.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
