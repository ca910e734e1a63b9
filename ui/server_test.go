package ui

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
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

// A pipeline's failure is one problem, said by the innermost job, with
// the position it names.
func TestBoardProblems(t *testing.T) {
	t.Parallel()
	b := newBoard()
	b.apply("", "start:pipeline:deploy", map[string]string{"job": "1"})
	b.apply("1", "start:pipeline:inner", map[string]string{"job": "2", "parent": "1"})
	b.apply("2", "end:pipeline:inner", map[string]string{"job": "2", "error": "/p/devspace.yaml:7:3: create_deployments: no such deployment"})
	b.apply("", "end:pipeline:deploy", map[string]string{"job": "1", "error": `pipeline "inner" failed: /p/devspace.yaml:7:3: …`})
	snap := b.snapshot()
	if len(snap.Problems) != 1 {
		t.Fatalf("problems = %+v, want the inner pipeline's alone", snap.Problems)
	}
	p := snap.Problems[0]
	if p.Source != "pipeline inner" || p.File != "/p/devspace.yaml" || p.Line != 7 || p.Col != 3 {
		t.Errorf("problem = %+v, want pipeline inner at /p/devspace.yaml:7:3", p)
	}
	if snap.Jobs[0].State != "failed" || snap.Jobs[1].Parent != "1" {
		t.Errorf("jobs = %+v", snap.Jobs)
	}
}
