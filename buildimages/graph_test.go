package buildimages

import (
	"slices"
	"testing"

	"github.com/devspace-engine/devspace/imagebuild"
)

func requests(names ...string) []imagebuild.Request {
	var out []imagebuild.Request
	for _, n := range names {
		out = append(out, imagebuild.Request{Name: n})
	}
	return out
}

func names(reqs []imagebuild.Request) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Name)
	}
	return out
}

// TestInOrder: requests follow the graph's order; those it does not name
// keep their relative place after the others.
func TestInOrder(t *testing.T) {
	t.Parallel()
	got := names(inOrder(requests("app", "extra", "base", "other"), []string{"base", "app"}))
	want := []string{"base", "app", "extra", "other"}
	if !slices.Equal(got, want) {
		t.Errorf("inOrder = %v, want %v", got, want)
	}
}

// TestMissingBases: the project bases not among the requests, each once,
// in the order the requests name them.
func TestMissingBases(t *testing.T) {
	t.Parallel()
	g := &imagebuild.Graph{Deps: map[string][]string{"app": {"base", "tools"}, "api": {"base"}, "tools": nil}}
	got := missingBases(requests("app", "api", "tools"), g)
	if want := []string{"base"}; !slices.Equal(got, want) {
		t.Errorf("missingBases = %v, want %v", got, want)
	}
}
