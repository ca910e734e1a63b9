package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/testbed"
)

// loadTree writes files (name → text) into a fresh directory and loads
// its devspace.yaml.
func loadTree(t *testing.T, files map[string]string) (*Config, string, error) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := Load(LoadOptions{Dir: dir, Environ: []string{"PATH=" + os.Getenv("PATH")}})
	return cfg, dir, err
}

func TestImportsMergeOrder(t *testing.T) {
	cfg, dir, err := loadTree(t, map[string]string{
		"devspace.yaml": `version: v2beta1
imports:
  - path: one.yaml
  - path: two.yaml
  - path: off.yaml
    enabled: false
pipelines:
  mine: echo own
profiles:
  - name: p
    merge: {vars: {FROM: own}}
`,
		"one.yaml": `version: v2beta1
pipelines:
  mine: echo one
  shared: echo one
profiles:
  - name: p
    merge: {vars: {FROM: one}}
  - name: q
    merge: {vars: {FROM: q}}
images:
  app:
    image: localhost/app
    dockerfile: docker/Dockerfile
`,
		"two.yaml": `version: v2beta1
pipelines:
  shared: echo two
  other: echo two
`,
		"off.yaml": `version: v2beta1
pipelines:
  off: echo off
`,
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"mine": "echo own", "shared": "echo one", "other": "echo two"} {
		if p := cfg.Pipelines[name]; p == nil || p.Run != want {
			t.Errorf("pipeline %s = %+v, want run %q", name, p, want)
		}
	}
	if cfg.Pipelines["off"] != nil {
		t.Error("an import with enabled: false was merged")
	}
	if len(cfg.Profiles) != 2 || cfg.Profiles[1].Name != "q" {
		t.Errorf("profiles = %+v, want own p and imported q", cfg.Profiles)
	}
	img := cfg.Images["app"]
	if img == nil || img.Context != dir || img.Dockerfile != filepath.Join(dir, "docker", "Dockerfile") {
		t.Errorf("image paths = %+v, want them absolute in %s", img, dir)
	}
	if _, ok := cfg.Raw["pipelines"].(map[string]any)["other"]; !ok {
		t.Error("Raw lacks the imported pipeline")
	}
	if file, chain := cfg.Origin("pipelines.other"); !strings.HasSuffix(file, "two.yaml") || len(chain) != 1 ||
		!strings.HasSuffix(chain[0], "devspace.yaml:4:5") {
		t.Errorf("Origin(pipelines.other) = %s, %v", file, chain)
	}
	if file, chain := cfg.Origin("pipelines.mine"); !strings.HasSuffix(file, "devspace.yaml") || chain != nil {
		t.Errorf("Origin(pipelines.mine) = %s, %v", file, chain)
	}
}

func TestImportErrorPosition(t *testing.T) {
	_, _, err := loadTree(t, map[string]string{
		"devspace.yaml":     "version: v2beta1\nimports:\n  - path: lib\n",
		"lib/devspace.yaml": "version: v2beta1\nimports:\n  - path: deeper.yaml\n",
		"lib/deeper.yaml":   "version: v2beta1\npipelines:\n  x:\n    continueOnError: maybe\n",
	})
	e := checkError(t, err, wantPos{4, 22, "pipelines.x.continueOnError: expected a boolean"})
	if !strings.HasSuffix(e.Pos.File, filepath.Join("lib", "deeper.yaml")) || len(e.Chain) != 2 {
		t.Errorf("error file %s, chain %v; want lib/deeper.yaml via two imports", e.Pos.File, e.Chain)
	}
	if !strings.Contains(e.Error(), "   4 |     continueOnError: maybe") {
		t.Errorf("snippet is not from the imported file:\n%s", e)
	}
}

func TestImportVersion(t *testing.T) {
	_, _, err := loadTree(t, map[string]string{
		"devspace.yaml": "version: v2beta1\nimports:\n  - path: old.yaml\n",
		"old.yaml":      "version: v1beta11\n",
	})
	e := checkError(t, err, wantPos{1, 10, "version v1beta11 (DevSpace 5) is not allowed here"})
	if !strings.HasSuffix(e.Pos.File, "old.yaml") {
		t.Errorf("error names %s, want old.yaml", e.Pos.File)
	}
}

func TestImportUndefinedVariable(t *testing.T) {
	_, _, err := loadTree(t, map[string]string{
		"devspace.yaml": "version: v2beta1\nimports:\n  - path: ./${NOPE}.yaml\n",
	})
	checkError(t, err, wantPos{3, 5, `import: variable "NOPE" is not defined`})
}

func TestImportCycleNamesChain(t *testing.T) {
	_, _, err := loadTree(t, map[string]string{
		"devspace.yaml": "version: v2beta1\nimports:\n  - path: a.yaml\n",
		"a.yaml":        "version: v2beta1\nimports:\n  - path: devspace.yaml\n",
	})
	e := checkError(t, err, wantPos{3, 5, "import cycle: "})
	chain := strings.Split(strings.TrimPrefix(e.Msg, "import cycle: "), " → ")
	if len(chain) != 3 || filepath.Base(chain[0]) != "devspace.yaml" || filepath.Base(chain[1]) != "a.yaml" || chain[2] != chain[0] {
		t.Errorf("cycle %q, want devspace.yaml → a.yaml → devspace.yaml", e.Msg)
	}
	if !strings.HasSuffix(e.Pos.File, "a.yaml") {
		t.Errorf("cycle reported in %s, want at the import in a.yaml", e.Pos.File)
	}
}

// TestGitImportsFetchInParallel: a file's git imports are fetched at once
// (the server holds each fetch until all three are in flight), one fetch
// per repository, before they are merged in order.
func TestGitImportsFetchInParallel(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	repos := t.TempDir()
	names := []string{"a", "b", "c"}
	for _, n := range names {
		testbed.BareRepo(t, repos, n+".git", map[string]string{
			"devspace.yaml": "version: v2beta1\npipelines:\n  from-" + n + ": echo " + n + "\n"})
	}
	srv := testbed.ServeGit(t, repos)
	srv.HoldUntil(len(names))
	text := "version: v2beta1\nimports:\n"
	for _, n := range names {
		text += "  - git: " + srv.URL + "/" + n + ".git\n"
	}
	cfg, _, err := loadTree(t, map[string]string{"devspace.yaml": text})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if cfg.Pipelines["from-"+n] == nil {
			t.Errorf("pipeline from-%s not imported", n)
		}
	}
	if peak, ops := srv.Peak(), srv.Ops(); peak != len(names) || ops != int64(len(names)) {
		t.Errorf("%d fetches, at most %d at once; want %d, all at once", ops, peak, len(names))
	}
}
