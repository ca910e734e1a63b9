package imagebuild

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devspace-engine/devspace/config"
)

func graphWithContexts(r Request, contexts ...config.BuildContext) Request {
	r.Options.Contexts = contexts
	return r
}

// A docker-image:// named context is a base image: a project image's
// repository orders the build after it, an external one is kept for its
// digest; a Git repository at a ref that can move is kept for its
// commit. The name a context answers in the Dockerfile is no reference,
// and a directory, a tarball or a repository at a commit is none either.
func TestNewGraphContextRefs(t *testing.T) {
	t.Parallel()
	app := graphWithContexts(graphReq("app", "FROM base\nCOPY --from=tools / /t\nCOPY --from=src / /s\n"),
		config.BuildContext{Name: "base", Value: "docker-image://127.0.0.1:5000/base:v1"},
		config.BuildContext{Name: "tools", Value: "docker-image://alpine:3.20"},
		config.BuildContext{Name: "src", Value: "/cfg/src"},
		config.BuildContext{Name: "git", Value: "https://github.com/o/r.git#main"},
		config.BuildContext{Name: "private", Value: "https://user:tok3n@git.example.com/o/r.git#main"},
		config.BuildContext{Name: "pinned", Value: "https://github.com/o/r.git#0123456789abcdef0123456789abcdef01234567"},
		config.BuildContext{Name: "tarball", Value: "https://example.com/src.tar.gz"})
	g, err := NewGraph([]Request{app, graphReq("base", "FROM scratch\n")}, graphRepos)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"base", "app"}, g.Order); diff != "" {
		t.Errorf("Order (-want +got):\n%s", diff)
	}
	want := []BaseRef{
		{Ref: "127.0.0.1:5000/base:v1", Instr: InstrContext, Context: "base", Image: "base"},
		{Ref: "alpine:3.20", Instr: InstrContext, Context: "tools"},
		{Ref: "https://github.com/o/r.git#main", Instr: InstrGitContext, Context: "git"},
		{Ref: "https://xxxxx:xxxxx@git.example.com/o/r.git#main", Instr: InstrGitContext, Context: "private"},
	}
	if diff := cmp.Diff(want, g.Refs["app"]); diff != "" {
		t.Errorf("Refs[app] (-want +got):\n%s", diff)
	}
	if u := GitContextURL(app, want[3]); u != "https://user:tok3n@git.example.com/o/r.git#main" {
		t.Errorf("GitContextURL = %q, want the URL as written", u)
	}
}

// A cycle through a named context names the context, not a line.
func TestNewGraphContextCycle(t *testing.T) {
	t.Parallel()
	app := graphWithContexts(graphReq("app", "FROM base\n"), config.BuildContext{Name: "base", Value: "docker-image://127.0.0.1:5000/base"})
	_, err := NewGraph([]Request{app, graphReq("base", "FROM 127.0.0.1:5000/app\n")}, graphRepos)
	want := "build order: images depend on each other: app → base (--build-context base=docker-image://127.0.0.1:5000/base)" +
		" → app (base/Dockerfile:1 FROM 127.0.0.1:5000/app)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// The image of a docker-image:// context is part of the key: a re-pushed
// external image (a new digest) changes it, as a project base's key does.
func TestFoldBasesContextDigest(t *testing.T) {
	t.Parallel()
	keyWith := func(digest string) string {
		app := graphWithContexts(graphReq("app", "FROM base\n"), config.BuildContext{Name: "base", Value: "docker-image://alpine:3.20"})
		app.Key, app.Parts = "k", KeyParts{Dockerfile: "d"}
		reqs := []Request{app}
		g, err := NewGraph(reqs, graphRepos)
		if err != nil {
			t.Fatal(err)
		}
		if err := FoldBases(reqs, g, map[string]string{"alpine:3.20": digest}, nil); err != nil {
			t.Fatal(err)
		}
		return reqs[0].Key
	}
	if a, b := keyWith(graphDigest), keyWith("sha256:ffff"); a == b || a == "k" {
		t.Errorf("keys %s and %s: the context image's digest must enter the key", a, b)
	}
}

// A context naming a project image is pinned to the exact tag built;
// others, and the caller's slice, are left as they were.
func TestPinContexts(t *testing.T) {
	t.Parallel()
	contexts := []config.BuildContext{
		{Name: "base", Value: "docker-image://127.0.0.1:5000/base"},
		{Name: "tools", Value: "docker-image://alpine:3.20"},
		{Name: "src", Value: "/cfg/src"},
	}
	refs := []BaseRef{
		{Ref: "127.0.0.1:5000/base", Instr: InstrContext, Context: "base", Image: "base"},
		{Ref: "alpine:3.20", Instr: InstrContext, Context: "tools"},
		{Ref: "127.0.0.1:5000/base", Line: 1, Instr: InstrFrom, Image: "base"},
	}
	got := PinContexts(contexts, refs, map[string]string{"base": "127.0.0.1:5000/base:ds-abc"})
	want := []config.BuildContext{
		{Name: "base", Value: "docker-image://127.0.0.1:5000/base:ds-abc"},
		{Name: "tools", Value: "docker-image://alpine:3.20"},
		{Name: "src", Value: "/cfg/src"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pinned (-want +got):\n%s", diff)
	}
	if contexts[0].Value != "docker-image://127.0.0.1:5000/base" {
		t.Errorf("the caller's contexts changed: %v", contexts)
	}
}

// A Git context's repository and ref are read as BuildKit reads them;
// a commit, a checksum or a non-Git URL cannot move.
func TestGitContext(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value, remote, ref string
		ok                 bool
	}{
		{"https://github.com/o/r.git#main:sub/dir", "https://github.com/o/r.git", "main", true},
		{"https://github.com/o/r.git", "https://github.com/o/r.git", "", true},
		{"git@github.com:o/r.git#v1.2", "git@github.com:o/r.git", "v1.2", true},
		{"https://github.com/o/r.git?branch=dev", "https://github.com/o/r.git", "refs/heads/dev", true},
		{"https://github.com/o/r.git#0123456789abcdef0123456789abcdef01234567", "", "", false},
		{"https://github.com/o/r.git?ref=main&checksum=0123456", "", "", false},
		{"https://example.com/src.tar.gz", "", "", false},
		{"docker-image://alpine", "", "", false},
	} {
		remote, ref, ok := GitContext(tt.value)
		if remote != tt.remote || ref != tt.ref || ok != tt.ok {
			t.Errorf("GitContext(%q) = %q, %q, %v; want %q, %q, %v", tt.value, remote, ref, ok, tt.remote, tt.ref, tt.ok)
		}
	}
}

// A moved Git context says so in the rebuild's reasons, by its URL.
func TestDiffBasesGitContext(t *testing.T) {
	t.Parallel()
	url := "https://github.com/o/r.git#main"
	got := diffBases(map[string]string{url: "git:0123456789abcdef"}, map[string]string{url: "git:fedcba9876543210"})
	want := []string{"build context https://github.com/o/r.git#main moved (git:0123456789ab… → git:fedcba987654…)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
}
