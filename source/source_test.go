package source

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/devspace-engine/devspace/testbed"
)

// origin is a bare repository made by the test, reached over file://.
type origin struct {
	t    *testing.T
	work string // a working clone the test commits in
	bare string
}

func newOrigin(t *testing.T) *origin {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	processRun = NewRun()
	o := &origin{t: t, work: t.TempDir(), bare: filepath.Join(t.TempDir(), "repo.git")}
	testbed.Git(t, o.work, "init", "--quiet", "--initial-branch=main")
	o.commit("app/file.txt", "v1")
	testbed.Git(t, o.work, "tag", "v1")
	testbed.Git(t, "", "clone", "--quiet", "--bare", o.work, o.bare)
	testbed.Git(t, o.work, "remote", "add", "origin", o.bare)
	return o
}

func (o *origin) url() string { return "file://" + o.bare }

// commit writes a file, commits it and returns the commit's hash.
func (o *origin) commit(name, content string) string {
	path := filepath.Join(o.work, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		o.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		o.t.Fatal(err)
	}
	testbed.Git(o.t, o.work, "add", ".")
	testbed.Git(o.t, o.work, "commit", "--quiet", "-m", content)
	return testbed.Git(o.t, o.work, "rev-parse", "HEAD")
}

func (o *origin) push(refs ...string) {
	testbed.Git(o.t, o.work, append([]string{"push", "--quiet", "origin"}, refs...)...)
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func resolve(t *testing.T, spec Spec) string {
	t.Helper()
	dir, err := Resolve(context.Background(), spec, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestGitRefsAndSubPath(t *testing.T) {
	o := newOrigin(t)
	v2 := o.commit("app/file.txt", "v2")
	o.commit("app/file.txt", "v3")
	testbed.Git(t, o.work, "branch", "feature", v2)
	o.push("main", "feature", "v1")

	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{Git: o.url(), SubPath: "app"}, "v3"},
		{Spec{Git: o.url(), Branch: "feature", SubPath: "app"}, "v2"},
		{Spec{Git: o.url(), Tag: "v1", SubPath: "app"}, "v1"},
		{Spec{Git: o.url(), Revision: v2, SubPath: "app"}, "v2"},
	} {
		if got := read(t, resolve(t, tc.spec), "file.txt"); got != tc.want {
			t.Errorf("%s: file.txt = %q, want %q", tc.spec, got, tc.want)
		}
	}
}

func TestSecondResolveFetches(t *testing.T) {
	o := newOrigin(t)
	dir := resolve(t, Spec{Git: o.url()})
	// An untracked file survives a fetch but not a new clone.
	if err := os.WriteFile(filepath.Join(dir, "marker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	o.commit("app/file.txt", "v2")
	o.push("main")
	processRun = NewRun() // a new run
	dir = resolve(t, Spec{Git: o.url()})
	if got := read(t, dir, "app/file.txt"); got != "v2" {
		t.Errorf("after a new commit: %q, want v2", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "marker")); err != nil {
		t.Errorf("the clone was made again instead of fetched: %v", err)
	}
}

// TestUnchangedFetchLeavesTheCloneAlone: a run that fetches nothing new
// leaves .git/logs/HEAD as it was, so that an image whose build context
// holds the clone is not rebuilt on every run.
func TestUnchangedFetchLeavesTheCloneAlone(t *testing.T) {
	o := newOrigin(t)
	dir := resolve(t, Spec{Git: o.url()})
	logs := filepath.Join(dir, ".git", "logs", "HEAD")
	before := read(t, logs, "")
	processRun = NewRun()
	resolve(t, Spec{Git: o.url()})
	if after := read(t, logs, ""); after != before {
		t.Errorf("a fetch with nothing new rewrote .git/logs/HEAD:\nbefore: %q\nafter:  %q", before, after)
	}
}

func TestDisablePullWorksOffline(t *testing.T) {
	o := newOrigin(t)
	resolve(t, Spec{Git: o.url(), Tag: "v1"})
	if err := os.Rename(o.bare, o.bare+".gone"); err != nil {
		t.Fatal(err)
	}
	processRun = NewRun()
	dir := resolve(t, Spec{Git: o.url(), Tag: "v1", DisablePull: true})
	if got := read(t, dir, "app/file.txt"); got != "v1" {
		t.Errorf("offline: %q, want v1", got)
	}
	_, err := Resolve(context.Background(), Spec{Git: o.url(), Tag: "v1"}, "")
	if err == nil || !strings.Contains(err.Error(), o.url()) || !strings.Contains(err.Error(), "git fetch") {
		t.Errorf("pull from a missing remote: err = %v, want one naming the URL and git's reason", err)
	}
}

func TestWrongRefOrURL(t *testing.T) {
	o := newOrigin(t)
	for _, spec := range []Spec{
		{Git: o.url(), Branch: "nope"},
		{Git: o.url() + "-missing"},
		{Git: o.url(), SubPath: "nope"},
		{Git: o.url(), SubPath: "../x"},
	} {
		_, err := Resolve(context.Background(), spec, "")
		if err == nil || !strings.Contains(err.Error(), spec.Git) {
			t.Errorf("%s: err = %v, want one naming the URL", spec, err)
		}
	}
}

func TestConcurrentResolves(t *testing.T) {
	o := newOrigin(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			dir, err := Resolve(context.Background(), Spec{Git: o.url(), Branch: "main"}, "")
			if err == nil && read(t, dir, "app/file.txt") != "v1" {
				err = os.ErrInvalid
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestPath(t *testing.T) {
	from := t.TempDir()
	if err := os.MkdirAll(filepath.Join(from, "lib", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := resolve2(t, Spec{Path: "lib", SubPath: "sub"}, from); got != filepath.Join(from, "lib", "sub") {
		t.Errorf("got %s", got)
	}
	if _, err := Resolve(context.Background(), Spec{Path: "missing"}, from); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing path: err = %v", err)
	}
}

func resolve2(t *testing.T, spec Spec, from string) string {
	t.Helper()
	dir, err := Resolve(context.Background(), spec, from)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestGitOverHTTP serves the origin with `git http-backend` on loopback,
// as a git server would (smart HTTP), and resolves a branch through it.
func TestGitOverHTTP(t *testing.T) {
	o := newOrigin(t)
	srv := testbed.ServeGit(t, filepath.Dir(o.bare))
	url := srv.URL + "/" + filepath.Base(o.bare)
	dir := resolve(t, Spec{Git: url, Branch: "main", SubPath: "app"})
	if got := read(t, dir, "file.txt"); got != "v1" {
		t.Errorf("over HTTP: file.txt = %q, want v1", got)
	}
	o.commit("app/file.txt", "v2")
	o.push("main")
	processRun = NewRun()
	if got := read(t, resolve(t, Spec{Git: url, Branch: "main", SubPath: "app"}), "file.txt"); got != "v2" {
		t.Errorf("fetch over HTTP: file.txt = %q, want v2", got)
	}
	_, err := Resolve(context.Background(), Spec{Git: srv.URL + "/missing.git"}, "")
	if err == nil || !strings.Contains(err.Error(), "/missing.git") {
		t.Errorf("missing repository over HTTP: err = %v", err)
	}
}
