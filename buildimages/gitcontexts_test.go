package buildimages

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/testbed"
)

// A Git build context at a branch enters the key by the commit the
// branch names now, asked of the repository (over HTTP here, as from a
// git host): a push changes the key, and a repository that cannot be
// asked, never asked before, fails the run with the context's URL.
func TestBaseDigestsGitContext(t *testing.T) {
	work, root := t.TempDir(), t.TempDir()
	testbed.Git(t, work, "init", "-q", "-b", "main")
	testbed.WriteTree(t, work, map[string]string{"y": "one"})
	testbed.Git(t, work, "add", ".")
	testbed.Git(t, work, "commit", "-q", "-m", "one")
	testbed.Git(t, "", "clone", "-q", "--bare", work, filepath.Join(root, "src.git"))
	srv := testbed.ServeGit(t, root)
	url := srv.URL + "/src.git#main"

	cfg := filepath.Join(t.TempDir(), "devspace.yaml")
	cache, _ := imagebuild.LoadCache(cfg)
	r := &buildRun{cache: cache}
	reqs := []imagebuild.Request{{Name: "app", Key: "k"}}
	g := &imagebuild.Graph{Refs: map[string][]imagebuild.BaseRef{"app": {{Ref: url, Instr: imagebuild.InstrGitContext, Context: "src"}}}}
	keyNow := func() (string, string) {
		t.Helper()
		digests, err := r.baseDigests(context.Background(), reqs, g)
		if err != nil {
			t.Fatal(err)
		}
		folded := []imagebuild.Request{{Name: "app", Key: "k"}}
		if err := imagebuild.FoldBases(folded, g, digests, nil); err != nil {
			t.Fatal(err)
		}
		return digests[url], folded[0].Key
	}
	commit, key := keyNow()
	if want := "git:" + testbed.Git(t, work, "rev-parse", "HEAD"); commit != want {
		t.Errorf("digest %s, want %s", commit, want)
	}
	if again, keyAgain := keyNow(); again != commit || keyAgain != key {
		t.Errorf("nothing pushed: %s/%s, then %s/%s", commit, key, again, keyAgain)
	}
	testbed.WriteTree(t, work, map[string]string{"y": "two"})
	testbed.Git(t, work, "commit", "-q", "-am", "two")
	testbed.Git(t, work, "push", "-q", filepath.Join(root, "src.git"), "main")
	if moved, movedKey := keyNow(); moved == commit || movedKey == key {
		t.Errorf("a push to main kept the digest %s and key %s", moved, movedKey)
	}

	// The repository is asked with the credentials written in the URL,
	// which no message shows.
	missing := strings.Replace(srv.URL, "http://", "http://user:tok3n@", 1) + "/missing.git#main"
	shown := strings.Replace(srv.URL, "http://", "http://xxxxx:xxxxx@", 1) + "/missing.git#main"
	reqs[0].Options.Contexts = []config.BuildContext{{Name: "src", Value: missing}}
	g.Refs["app"][0].Ref = shown
	_, err := r.baseDigests(context.Background(), reqs, g)
	if err == nil || !strings.HasPrefix(err.Error(), "build context "+shown+": git ls-remote:") || strings.Contains(err.Error(), "tok3n") {
		t.Errorf("missing repository: err = %v", err)
	}
}
