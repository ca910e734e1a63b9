package buildimages

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/devspace-engine/devspace/config"
)

// ProjectBases reads each image's project bases from its Dockerfile (build
// args expanded); an image without a Dockerfile yet has none, and the
// others still do.
func TestProjectBases(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, text := range map[string]string{
		"app.Dockerfile":  "ARG REPO\nFROM ${REPO}/base:latest AS b\nCOPY --from=reg.example.com/tool /t /t\n",
		"base.Dockerfile": "FROM busybox\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repo := "reg.example.com"
	cfg := &config.Config{Path: filepath.Join(dir, "devspace.yaml"), Dir: dir, Images: map[string]*config.Image{
		"app":     {Name: "app", Image: "reg.example.com/app", Dockerfile: "app.Dockerfile", BuildArgs: map[string]*string{"REPO": &repo}},
		"base":    {Name: "base", Image: "reg.example.com/base", Dockerfile: "base.Dockerfile"},
		"tool":    {Name: "tool", Image: "reg.example.com/tool", Dockerfile: "missing.Dockerfile"},
		"missing": {Name: "missing", Image: "reg.example.com/missing", Dockerfile: "nowhere/Dockerfile"},
	}}
	got, err := ProjectBases(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got["app"], []string{"base", "tool"}) || len(got["base"]) != 0 || len(got["missing"]) != 0 {
		t.Errorf("bases = %v, want app on base and tool, the others on none", got)
	}
}
