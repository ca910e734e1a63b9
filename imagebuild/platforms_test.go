package imagebuild

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/testbed"
)

// platformRegistry has every tag, with the manifests of the platforms in
// has; it is also a Locator, as docker.Credentials is.
type platformRegistry struct {
	has   []string
	asked [][]string
}

func (p *platformRegistry) Lookup(_ context.Context, ref string, platforms []string) (string, bool, error) {
	p.asked = append(p.asked, platforms)
	var missing []string
	for _, pl := range platforms {
		if !slices.Contains(p.has, pl) {
			missing = append(missing, pl)
		}
	}
	if len(missing) > 0 {
		return "", false, &MissingPlatformsError{Ref: ref, Missing: missing}
	}
	return "sha256:ab", true, nil
}

func (p *platformRegistry) Exists(context.Context, string, bool) (bool, error) { return true, nil }

// TestDecidePlatforms: a multi-platform image is skipped only when its
// registry has every platform's manifest, both when this machine never
// built it (its key-derived tag is looked up) and when it did under a
// configured tag (the record's tag is checked); a missing manifest says
// which platform it lacks.
func TestDecidePlatforms(t *testing.T) {
	t.Parallel()
	both := []string{"linux/amd64", "linux/arm64"}
	tests := []struct {
		name     string
		img      config.Image
		record   bool
		has      []string
		wantLine string
	}{
		{name: "found", has: both, wantLine: "skip app: TAG already in registry.example.com/app"},
		{name: "one missing", has: both[:1], wantLine: "rebuild app: no previous build, registry's registry.example.com/app:TAG lacks linux/arm64"},
		{name: "recorded", img: config.Image{Tags: []string{"v1"}, Kaniko: &config.KanikoBuild{}}, record: true, has: both, wantLine: "skip app: unchanged (tag TAG)"},
		{name: "recorded, one missing", img: config.Image{Tags: []string{"v1"}, Kaniko: &config.KanikoBuild{}}, record: true, has: both[1:],
			wantLine: "rebuild app: image missing from registry (registry.example.com/app:TAG lacks linux/amd64)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			testbed.WriteTree(t, dir, baseTree)
			req := keyOf(t, NewHasher(nil), dir, tt.img)
			req.Options.Platforms = both
			var prev *ImageRecord
			if tt.record {
				c := &Cache{memo: NewMemo(), images: map[string]ImageRecord{}, changed: map[string]ImageRecord{}}
				c.RecordBuild(req, Result{Digest: "sha256:old"})
				rec, _ := c.Image("app")
				prev = &rec
			}
			reg := &platformRegistry{has: tt.has}
			d, err := Decide(context.Background(), req, prev, DecideOptions{Published: reg, Registry: reg})
			if err != nil {
				t.Fatal(err)
			}
			if line := strings.ReplaceAll(d.String(), req.Tags[0], "TAG"); line != tt.wantLine {
				t.Errorf("decision %q, want %q", line, tt.wantLine)
			}
			if len(reg.asked) != 1 || !slices.Equal(reg.asked[0], both) {
				t.Errorf("the registry was asked for platforms %v, want once for %v", reg.asked, both)
			}
		})
	}
}
