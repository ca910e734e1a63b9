package imagebuild

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/testbed"
)

// fakeRegistry has the refs of has (ref → digest) and counts lookups.
type fakeRegistry struct {
	has   map[string]string
	err   error
	calls atomic.Int32
}

func (f *fakeRegistry) Lookup(_ context.Context, ref string, _ []string) (string, bool, error) {
	f.calls.Add(1)
	d, ok := f.has[ref]
	return d, ok, f.err
}

// TestDecidePublished: an image this machine never built (no record, or a
// record of other inputs) is skipped when its registry already has its
// key-derived tag; a configured tag, a local-only image, --force-rebuild
// and rebuildStrategy always are built without asking.
func TestDecidePublished(t *testing.T) {
	t.Parallel()
	const digest = "sha256:" + "ab12"
	tests := []struct {
		name      string
		img       config.Image
		prevOther bool // a record of other inputs instead of none
		force     bool
		inReg     bool
		err       error
		wantLine  string // the decision's line, the tag replaced by TAG
		wantCalls int32
	}{
		{name: "found", inReg: true, wantLine: "skip app: TAG already in registry.example.com/app", wantCalls: 1},
		{name: "found after other inputs", prevOther: true, inReg: true, wantLine: "skip app: TAG already in registry.example.com/app", wantCalls: 1},
		{name: "missing", wantLine: "rebuild app: no previous build", wantCalls: 1},
		{name: "lookup fails", inReg: true, err: errors.New("connection refused"),
			wantLine: "rebuild app: no previous build, registry lookup failed: connection refused", wantCalls: 1},
		{name: "user tag", img: config.Image{Tags: []string{"latest"}}, inReg: true, wantLine: "rebuild app: no previous build"},
		{name: "local only", img: config.Image{SkipPush: true}, inReg: true, wantLine: "rebuild app: no previous build"},
		{name: "forced", force: true, inReg: true, wantLine: "rebuild app: forced"},
		{name: "always", img: config.Image{RebuildStrategy: "always"}, inReg: true, wantLine: "rebuild app: rebuildStrategy: always"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			testbed.WriteTree(t, dir, baseTree)
			var prev *ImageRecord
			if tt.prevOther {
				c := &Cache{memo: NewMemo(), images: map[string]ImageRecord{}, changed: map[string]ImageRecord{}}
				c.RecordBuild(keyOf(t, NewHasher(nil), dir, tt.img), Result{Digest: "sha256:old"})
				rec, _ := c.Image("app")
				prev = &rec
				testbed.WriteTree(t, dir, map[string]string{"main.go": "package other\n"})
			}
			req := keyOf(t, NewHasher(nil), dir, tt.img)
			reg := &fakeRegistry{err: tt.err, has: map[string]string{}}
			if tt.inReg {
				reg.has[req.Ref()] = digest
			}
			d, err := Decide(context.Background(), req, prev, DecideOptions{Force: tt.force, Published: reg})
			if err != nil {
				t.Fatal(err)
			}
			line := strings.ReplaceAll(d.String(), req.Tags[0], "TAG")
			if line != tt.wantLine {
				t.Errorf("decision %q, want %q", line, tt.wantLine)
			}
			if got := reg.calls.Load(); got != tt.wantCalls {
				t.Errorf("%d registry lookups, want %d", got, tt.wantCalls)
			}
			if d.FoundIn != "" && (d.Digest != digest || d.Tags[0] != req.Tags[0]) {
				t.Errorf("found with digest %q, tags %v; want %q, %v", d.Digest, d.Tags, digest, req.Tags)
			}
		})
	}
}

// TestReportFound: the JSON report says why a found image was skipped.
func TestReportFound(t *testing.T) {
	t.Parallel()
	req := Request{Name: "api", Image: "localhost:5000/api", Tags: []string{"ds-3f9a2c1e04b7"}}
	d := Decision{Name: "api", Tags: req.Tags, Digest: "sha256:ab", FoundIn: req.Image}
	r := Report([]Request{req}, []Decision{d}, nil)[0]
	if r.Status != "skipped" || len(r.Reasons) != 1 || r.Reasons[0] != "ds-3f9a2c1e04b7 already in localhost:5000/api" || r.Digest != "sha256:ab" {
		t.Errorf("report %+v", r)
	}
}

// barrierRegistry answers only once n lookups are waiting at once: a
// caller that asks one after another never gets an answer.
type barrierRegistry struct {
	arrived chan struct{}
	n       int
}

func (b *barrierRegistry) Lookup(ctx context.Context, ref string, _ []string) (string, bool, error) {
	b.arrived <- struct{}{}
	for len(b.arrived) < b.n {
		select {
		case <-ctx.Done():
			return "", false, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	return "sha256:ab", true, nil
}

// TestDecideAllLooksUpAtOnce: the registry is asked about every image in
// one concurrent round, not one image after another.
func TestDecideAllLooksUpAtOnce(t *testing.T) {
	t.Parallel()
	const n = 8
	var reqs []Request
	for i := range n {
		dir := t.TempDir()
		testbed.WriteTree(t, dir, map[string]string{"Dockerfile": fmt.Sprintf("FROM scratch\nLABEL i=%d\n", i)})
		reqs = append(reqs, keyOf(t, NewHasher(nil), dir, config.Image{}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ds, err := DecideAll(ctx, reqs, nil, DecideOptions{Published: &barrierRegistry{arrived: make(chan struct{}, n), n: n}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Rebuild || d.FoundIn == "" {
			t.Errorf("%s: %s, want found in the registry", d.Name, d)
		}
	}
}
