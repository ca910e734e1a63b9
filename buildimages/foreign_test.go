package buildimages

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/imagebuild"
)

// TestForeignBases: a reference to a dependency's image waits for the
// dependency's announcement while its pipeline runs (saying so), then
// links to it; once the pipeline has ended, a reference links to the
// image's last recorded build, or stays external without one. Pinned and
// unrelated references stay external.
func TestForeignBases(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	depConfig := filepath.Join(dir, "dep", "devspace.yaml")
	cache, _ := imagebuild.LoadCache(depConfig)
	cache.Record("tool", imagebuild.ImageRecord{Key: "k-tool", Image: "reg/tool", Tags: []string{"ds-old"}})
	if err := cache.Save(); err != nil {
		t.Fatal(err)
	}
	board := imagebuild.NewBoard()
	running := make(chan struct{})
	ups := []Upstream{{Name: "dep", ConfigPath: depConfig, Running: running,
		Images: map[string]string{"base": "reg/base", "tool": "reg/tool", "never": "reg/never"}}}
	log := lineChan(make(chan string, 10))
	r := &buildRun{opts: Options{Config: &config.Config{Path: filepath.Join(dir, "devspace.yaml")},
		Connections: Connections{Board: board, Upstream: func(context.Context) []Upstream { return ups }}}}
	reqs := []imagebuild.Request{{Name: "app", Log: log}}
	g := &imagebuild.Graph{Refs: map[string][]imagebuild.BaseRef{"app": {
		{Ref: "reg/base"}, {Ref: "reg/base@sha256:" + strings.Repeat("0", 64), Pinned: true}, {Ref: "busybox"},
	}}}

	type result struct {
		got map[string]foreignBase
		err error
	}
	done := make(chan result)
	go func() {
		got, err := r.foreignBases(context.Background(), reqs, g)
		done <- result{got, err}
	}()
	// The dependency has not announced base yet: the reference waits.
	select {
	case line := <-log:
		if want := "waiting for dependency dep to build its image base (a base of this image)\n"; line != want {
			t.Fatalf("log = %q, want %q", line, want)
		}
	case res := <-done:
		t.Fatalf("foreignBases returned %v, %v before the dependency announced its image", res.got, res.err)
	}
	a := board.Announce(depConfig, "base", "k-base", "reg/base:ds-new")
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	refs := g.Refs["app"]
	if fb := res.got[refs[0].Image]; fb.key != "k-base" || fb.ref != "reg/base:ds-new" || fb.announced != a {
		t.Errorf("reg/base links to %+v, want the announcement", fb)
	}
	if refs[1].Image != "" || refs[2].Image != "" {
		t.Errorf("pinned and unrelated references linked: %+v", refs[1:])
	}

	// The pipeline has ended: the recorded build, or nothing.
	close(running)
	g.Refs["app"] = []imagebuild.BaseRef{{Ref: "reg/tool:latest"}, {Ref: "reg/never"}}
	got, err := r.foreignBases(context.Background(), reqs, g)
	if err != nil {
		t.Fatal(err)
	}
	refs = g.Refs["app"]
	if fb := got[refs[0].Image]; fb.key != "k-tool" || fb.ref != "reg/tool:ds-old" || fb.announced != nil {
		t.Errorf("reg/tool links to %+v, want its recorded build", fb)
	}
	if refs[1].Image != "" {
		t.Errorf("an image never built links to %q, want it external", refs[1].Image)
	}
}

// lineChan passes each write on, so a test sees it as it happens.
type lineChan chan string

func (c lineChan) Write(p []byte) (int, error) {
	c <- string(p)
	return len(p), nil
}
