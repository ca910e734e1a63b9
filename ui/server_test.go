package ui

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"testing"
)

func startServer(t testing.TB, p Project, opts Options) (*Server, string) {
	t.Helper()
	s := New()
	url, err := s.Start(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, url
}

// Every request needs the token: in the URL, or the cookie the page got
// with it.
func TestTokenGuardsEveryRequest(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, Project{Name: "p"}, Options{})
	base, _, _ := strings.Cut(url, "?")
	for _, path := range []string{"", "static/app.js", "api/state", "api/events", "api/log?image=x"} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("GET /%s without the token: %s, want 403", path, res.Status)
		}
	}
	res, err := http.Get(base + "?t=wrong")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("GET / with a wrong token: %s, want 403", res.Status)
	}

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	res, err = client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(page), "static/app.js") {
		t.Fatalf("GET %s: %s\n%s", url, res.Status, page)
	}
	res, err = client.Get(base + "api/state") // the cookie carries the token now
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"name":"p"`) {
		t.Errorf("GET /api/state with the cookie: %s %s", res.Status, body)
	}
}

// A failure is one problem, said where it happened (a builtin's report,
// with its position), not again by each pipeline that only passes it on;
// a pipeline that failed by itself (false) is a problem of its own.
func TestBoardProblems(t *testing.T) {
	t.Parallel()
	b := newBoard()
	b.apply("", "start:pipeline:deploy", map[string]string{"job": "1"})
	b.apply("1", "start:pipeline:inner", map[string]string{"job": "2", "parent": "1"})
	b.apply("2", "error:builtin:create_deployments", map[string]string{"error": "/p/devspace.yaml:7:3: create_deployments: deployment web is not ready"})
	b.apply("1", "end:pipeline:inner", map[string]string{"job": "2", "error": "exit status 1"})
	b.apply("", "end:pipeline:deploy", map[string]string{"job": "1", "error": `pipeline "inner" failed: exit status 1`})
	b.apply("", "start:pipeline:other", map[string]string{"job": "3"})
	b.apply("", "end:pipeline:other", map[string]string{"job": "3", "error": "exit status 1"})
	snap := b.snapshot()
	if len(snap.Problems) != 2 {
		t.Fatalf("problems = %+v, want the builtin's and pipeline other's", snap.Problems)
	}
	p := snap.Problems[0]
	if p.Source != "builtin create_deployments" || p.File != "/p/devspace.yaml" || p.Line != 7 || p.Col != 3 || p.Job != "2" {
		t.Errorf("problem = %+v, want create_deployments' at /p/devspace.yaml:7:3 in job 2", p)
	}
	if p := snap.Problems[1]; p.Source != "pipeline other" || p.File != "" {
		t.Errorf("problem = %+v, want pipeline other's, with no position", p)
	}
	if snap.Jobs[0].State != "failed" || snap.Jobs[1].Parent != "1" {
		t.Errorf("jobs = %+v", snap.Jobs)
	}
}

// A long session keeps the newest maxJobs runs (and every running one)
// and the newest maxProblems errors.
func TestBoardStaysBounded(t *testing.T) {
	t.Parallel()
	b := newBoard()
	b.apply("", "start:pipeline:dev", map[string]string{"job": "dev"}) // runs all along
	for i := range 3 * maxJobs {
		id := strconv.Itoa(i)
		b.apply("dev", "start:pipeline:rebuild", map[string]string{"job": id, "parent": "dev"})
		b.apply("dev", "end:pipeline:rebuild", map[string]string{"job": id, "error": "exit status 1"})
	}
	snap := b.snapshot()
	if len(snap.Jobs) != maxJobs || snap.Jobs[0].ID != "dev" || snap.Jobs[maxJobs-1].ID != strconv.Itoa(3*maxJobs-1) {
		t.Errorf("%d jobs kept, first %s, last %s; want %d: dev and the newest", len(snap.Jobs), snap.Jobs[0].ID, snap.Jobs[len(snap.Jobs)-1].ID, maxJobs)
	}
	if len(snap.Problems) != maxProblems {
		t.Errorf("%d problems kept, want %d", len(snap.Problems), maxProblems)
	}
}

// A long build's live log keeps its newest maxLogLines lines, and never
// holds twice as many.
func TestBoardKeepsBuildLogBounded(t *testing.T) {
	t.Parallel()
	b := newBoard()
	b.apply("j", "before:build:app", nil)
	for i := range 5*maxLogLines + 7 {
		b.apply("j", "log:build:app", map[string]string{"line": strconv.Itoa(i)})
		if n := len(b.images["app"].lines.buf); n >= 2*maxLogLines {
			t.Fatalf("%d lines held, want under %d", n, 2*maxLogLines)
		}
	}
	_, lines := b.buildLog("app")
	if len(lines) != maxLogLines || lines[0] != strconv.Itoa(4*maxLogLines+7) || lines[len(lines)-1] != strconv.Itoa(5*maxLogLines+6) {
		t.Errorf("%d lines, first %s, last %s; want the newest %d", len(lines), lines[0], lines[len(lines)-1], maxLogLines)
	}
}
