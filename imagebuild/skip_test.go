package imagebuild

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/testbed"
)

// fakeLocator knows which refs exist, and where.
type fakeLocator struct {
	registry, daemon map[string]bool
	err              error
}

func (f fakeLocator) Exists(_ context.Context, ref string, pushed bool) (bool, error) {
	if pushed {
		return f.registry[ref], f.err
	}
	return f.daemon[ref], f.err
}

func TestDecide(t *testing.T) {
	t.Parallel()
	type change func(t *testing.T, dir string, img *config.Image)
	none := func(*testing.T, string, *config.Image) {}
	tests := []struct {
		name      string
		change    change
		noPrev    bool
		opts      DecideOptions
		missing   bool // the previous image is gone from everywhere
		want      []string
		wantErr   string
		keepsTags bool // skipped with the previous build's tags
		tagged    bool // tags: [v1], not the key-derived default
		forgets   bool // the registry may lose images (the local registry)
		renamed   bool // the image is built under another name (the local registry's)
	}{
		{name: "unchanged", change: none},
		{name: "touched file", change: func(t *testing.T, dir string, _ *config.Image) {
			testbed.WriteTree(t, dir, map[string]string{"main.go": "package main\n"})
		}},
		{name: "forced", change: none, opts: DecideOptions{Force: true}, want: []string{ReasonForced}},
		{name: "always", change: func(_ *testing.T, _ string, img *config.Image) { img.RebuildStrategy = "always" }, want: []string{ReasonAlways}},
		{name: "no previous build", change: none, noPrev: true, want: []string{ReasonNoPrevious}},
		{name: "missing from registry", change: none, tagged: true, missing: true, want: []string{ReasonMissingRegistry}},
		{name: "key tag trusted from the record", change: none, missing: true, opts: DecideOptions{Locator: fakeLocator{err: errors.New("not asked")}}},
		{name: "key tag checked where the registry forgets", change: none, missing: true, forgets: true, want: []string{ReasonMissingRegistry}},
		{name: "key tag found where the registry forgets", change: none, forgets: true},
		{name: "image name changed", change: none, renamed: true, want: []string{ReasonImageName}},
		{name: "missing from daemon", change: func(_ *testing.T, _ string, img *config.Image) { img.SkipPush = true }, missing: true, want: []string{ReasonMissingDaemon}},
		{name: "check fails", change: none, tagged: true, opts: DecideOptions{Locator: fakeLocator{err: errors.New("registry down")}}, wantErr: `image "app": check registry.example.com/app:v1`},
		{name: "one file", change: func(t *testing.T, dir string, _ *config.Image) {
			testbed.WriteTree(t, dir, map[string]string{"main.go": "package x\n"})
		}, want: []string{"context changed (1 file)"}},
		{name: "three files", change: func(t *testing.T, dir string, _ *config.Image) {
			testbed.WriteTree(t, dir, map[string]string{"main.go": "package x\n", "new/b.go": "", "c.go": ""})
		}, want: []string{"context changed (3 files)"}},
		{name: "removed file", change: func(t *testing.T, dir string, _ *config.Image) { rm(t, dir+"/pkg/a.go") }, want: []string{"context changed (1 file)"}},
		{name: "directory only", change: func(t *testing.T, dir string, _ *config.Image) {
			testbed.WriteTree(t, dir, map[string]string{"empty/": ""})
		}, want: []string{"context changed (directories)"}},
		{name: "Dockerfile", change: func(t *testing.T, dir string, _ *config.Image) {
			testbed.WriteTree(t, dir, map[string]string{"Dockerfile": "FROM x\n"})
		}, want: []string{ReasonDockerfile}},
		{name: "Dockerfile and a file", change: func(t *testing.T, dir string, _ *config.Image) {
			testbed.WriteTree(t, dir, map[string]string{"Dockerfile": "FROM x\n", "main.go": "package x\n"})
		}, want: []string{ReasonDockerfile, "context changed (1 file)"}},
		{name: "entrypoint", change: func(_ *testing.T, _ string, img *config.Image) { img.Entrypoint = []string{"x"} }, want: []string{ReasonDockerfile}},
		{name: "build args", change: func(_ *testing.T, _ string, img *config.Image) { img.BuildArgs = map[string]*string{"A": nil} }, want: []string{ReasonBuildArgs}},
		{name: "target", change: func(_ *testing.T, _ string, img *config.Image) { img.Target = "build" }, want: []string{ReasonOptions}},
		{name: "ignoreContextChanges skips context", change: func(t *testing.T, dir string, img *config.Image) {
			img.RebuildStrategy = "ignoreContextChanges"
			testbed.WriteTree(t, dir, map[string]string{"main.go": "package x\n"})
		}, keepsTags: true},
		{name: "ignoreContextChanges sees Dockerfile", change: func(t *testing.T, dir string, img *config.Image) {
			img.RebuildStrategy = "ignoreContextChanges"
			testbed.WriteTree(t, dir, map[string]string{"Dockerfile": "FROM x\n", "main.go": "package x\n"})
		}, want: []string{ReasonDockerfile}},
		{name: "new explicit tag", change: func(_ *testing.T, _ string, img *config.Image) { img.Tags = []string{"v2"} }, want: []string{ReasonTags}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			testbed.WriteTree(t, dir, baseTree)
			img := config.Image{}
			if tt.tagged {
				img.Tags = []string{"v1"}
			}
			before := keyOf(t, NewHasher(nil), dir, img)
			c, _ := LoadCache(filepath.Join(t.TempDir(), "devspace.yaml"))
			c.RecordBuild(before, Result{})
			if err := c.Save(); err != nil {
				t.Fatal(err)
			}
			tt.change(t, dir, &img)
			req := keyOf(t, NewHasher(nil), dir, img)
			// As DecideAll finds it: with the fingerprints of the
			// files when the key changed.
			prev, _ := c.previous("app", req.Key)
			req.RegistryForgets = tt.forgets
			if tt.renamed {
				req.Image = "localhost:31000/app"
			}
			loc := fakeLocator{registry: map[string]bool{prev.Ref(): !tt.missing}, daemon: map[string]bool{prev.Ref(): !tt.missing}}
			opts := tt.opts
			if opts.Locator == nil {
				opts.Locator = loc
			}
			p := &prev
			if tt.noPrev {
				p = nil
			}
			d, err := Decide(context.Background(), req, p, opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, d.Reasons); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
			if d.Rebuild != (len(tt.want) > 0) {
				t.Errorf("Rebuild = %v with reasons %v", d.Rebuild, d.Reasons)
			}
			wantTags := req.Tags
			if tt.keepsTags {
				wantTags = prev.Tags
			}
			if diff := cmp.Diff(wantTags, d.Tags); diff != "" {
				t.Errorf("tags (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecideRandomTags: tags with '#' get new random letters in every
// request; an unchanged image keeps the letters of its previous build
// instead of being rebuilt for new ones, unless the templates changed.
func TestDecideRandomTags(t *testing.T) {
	t.Parallel()
	prev := ImageRecord{Key: "k", Image: "r/app", Tags: []string{"v1", "dev-abC"}}
	tests := []struct {
		templates []string
		want      string
	}{
		{[]string{"v1", "dev-###"}, "skip app: unchanged (tag v1)"},
		{[]string{"v1", "dev-##"}, "rebuild app: " + ReasonTags},
		{[]string{"v1", "pr-###"}, "rebuild app: " + ReasonTags},
		{[]string{"dev-###", "v1"}, "rebuild app: " + ReasonTags},
		{[]string{"v1"}, "rebuild app: " + ReasonTags},
	}
	for _, tt := range tests {
		tags, templates, err := resolveTags(tt.templates, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := Request{Name: "app", Kind: testDocker, Key: "k", Image: "r/app", Tags: tags, TagTemplates: templates, Push: true}
		loc := fakeLocator{registry: map[string]bool{"r/app:v1": true, "r/app:dev-abC": true}}
		d, err := Decide(context.Background(), req, &prev, DecideOptions{Locator: loc})
		if err != nil {
			t.Fatal(err)
		}
		if d.String() != tt.want {
			t.Errorf("%v: %q, want %q", tt.templates, d, tt.want)
		}
		if !d.Rebuild && !slices.Equal(d.Tags, prev.Tags) {
			t.Errorf("%v: skipped with tags %v, want the previous %v", tt.templates, d.Tags, prev.Tags)
		}
	}
}

func TestDecideSpecialKinds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := Decide(ctx, Request{Name: "off", Kind: Disabled}, nil, DecideOptions{Force: true})
	if err != nil || d.Rebuild {
		t.Errorf("disabled: %+v, %v", d, err)
	}
	d, err = Decide(ctx, Request{Name: "c", Kind: testCustom, Key: "k"}, &ImageRecord{Key: "k"}, DecideOptions{})
	if err != nil || d.String() != "rebuild c: "+ReasonCustomNoOnChange {
		t.Errorf("custom without onChange: %q, %v", d, err)
	}
}

func TestDecideAll(t *testing.T) {
	t.Parallel()
	c := &Cache{memo: NewMemo(), images: map[string]ImageRecord{"a": {Key: "ka", Image: "r/a", Tags: []string{"t"}}}, changed: map[string]ImageRecord{}}
	reqs := []Request{
		{Name: "a", Kind: testDocker, Key: "ka", Image: "r/a", Tags: []string{"t"}, Push: true},
		{Name: "b", Kind: testDocker, Key: "kb", Image: "r/b", Tags: []string{"t"}, Push: true},
	}
	ds, err := DecideAll(context.Background(), reqs, c, DecideOptions{Locator: fakeLocator{registry: map[string]bool{"r/a:t": true}}})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{ds[0].String(), ds[1].String()}
	if diff := cmp.Diff([]string{"skip a: unchanged (tag t)", "rebuild b: no previous build"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCountChanged(t *testing.T) {
	t.Parallel()
	f := func(p string, d byte) ContextFile { return ContextFile{Path: p, Digest: [32]byte{d}} }
	old := fingerprints([]ContextFile{f("a", 1), f("b", 1), f("c", 1)})
	tests := []struct {
		name string
		cur  []ContextFile
		want int
	}{
		{"same", []ContextFile{f("c", 1), f("a", 1), f("b", 1)}, 0},
		{"changed", []ContextFile{f("a", 2), f("b", 1), f("c", 1)}, 1},
		{"added and removed", []ContextFile{f("a", 1), f("d", 1)}, 3},
		{"empty", nil, 3},
		{"dirs ignored", []ContextFile{f("a", 1), f("b", 1), f("c", 1), {Path: "x", Mode: 1 << 31}}, 0},
	}
	for _, tt := range tests {
		if got := countChanged(old, fingerprints(tt.cur)); got != tt.want {
			t.Errorf("%s: countChanged = %d, want %d", tt.name, got, tt.want)
		}
	}
}
