package source

import (
	"context"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/testbed"
)

// RemoteCommit names the commit a branch, a tag (an annotated one
// followed to its commit) or the default branch points at now, as the
// remote says, and follows a branch that moves.
func TestRemoteCommit(t *testing.T) {
	o := newOrigin(t)
	first := testbed.Git(t, o.work, "rev-parse", "HEAD")
	testbed.Git(t, o.work, "tag", "-a", "-m", "annotated", "v1a")
	o.push("v1a")
	second := o.commit("app/file.txt", "v2")
	o.push("main")
	ctx := context.Background()
	for ref, want := range map[string]string{"": second, "main": second, "refs/heads/main": second, "v1": first, "v1a": first} {
		got, err := RemoteCommit(ctx, o.url(), ref)
		if err != nil || got != want {
			t.Errorf("ref %q: got %s, %v; want %s", ref, got, err, want)
		}
	}
	third := o.commit("app/file.txt", "v3")
	o.push("main")
	if got, err := RemoteCommit(ctx, o.url(), "main"); err != nil || got != third {
		t.Errorf("after a push: got %s, %v; want %s", got, err, third)
	}
	if _, err := RemoteCommit(ctx, o.url(), "nope"); err == nil || !strings.Contains(err.Error(), `the repository has no branch or tag "nope"`) {
		t.Errorf("missing ref: err = %v", err)
	}
}
