package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestShorthands(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, `version: v2beta1
vars:
  PLAIN: hello
  NUMBER: 3
  CMD: $(echo from-command)
pipelines:
  dev: echo dev
  deploy:
    run: echo deploy
commands:
  hello: echo hello
`, LoadOptions{})
	if got := cfg.Pipelines["dev"]; got.Run != "echo dev" || got.Name != "dev" {
		t.Errorf("pipelines.dev = %+v, want run %q and name dev", got, "echo dev")
	}
	if got := cfg.Pipelines["deploy"].Run; got != "echo deploy" {
		t.Errorf("pipelines.deploy.run = %q", got)
	}
	if got := cfg.Commands["hello"]; got.Command != "echo hello" || got.Name != "hello" {
		t.Errorf("commands.hello = %+v", got)
	}
	if got := cfg.Vars["CMD"].Command; got != "echo from-command" {
		t.Errorf("vars.CMD.command = %q, want the text inside $(…)", got)
	}
	want := map[string]string{"PLAIN": "hello", "NUMBER": "3", "CMD": "from-command"}
	for k, v := range want {
		if cfg.Variables[k] != v {
			t.Errorf("variable %s = %q, want %q", k, cfg.Variables[k], v)
		}
	}
}

func TestImages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want Image
	}{
		{
			name: "tag in image moves into tags",
			src:  "image: repo/app:v1\ntags: [extra]",
			want: Image{Name: "app", Image: "repo/app", Tags: []string{"v1", "extra"}},
		},
		{
			name: "registry port is not a tag",
			src:  "image: localhost:5000/app",
			want: Image{Name: "app", Image: "localhost:5000/app"},
		},
		{
			name: "older single tag",
			src:  "image: repo/app\ntag: v2",
			want: Image{Name: "app", Image: "repo/app", Tags: []string{"v2"}},
		},
		{
			name: "legacy build block folds into flat fields",
			src: `image: repo/app
build:
  dockerfile: Dockerfile.dev
  context: ./src
  docker:
    skipPush: true
  options:
    target: dev
    network: host
    buildArgs:
      A: b`,
			want: Image{
				Name: "app", Image: "repo/app", Dockerfile: "Dockerfile.dev", Context: "./src",
				Target: "dev", Network: "host", BuildArgs: map[string]*string{"A": ptr("b")},
				SkipPush: true, Docker: &DockerBuild{SkipPush: true},
			},
		},
		{
			name: "legacy kaniko block (seed 000)",
			src: `image: repo/app
build:
  kaniko:
    cache: true
    snapshotMode: time
    namespace: builds
    insecure: false
    hostNetwork: true`,
			want: Image{
				Name: "app", Image: "repo/app",
				Kaniko: &KanikoBuild{Cache: ptr(true), SnapshotMode: "time", Namespace: "builds", Insecure: ptr(false), HostNetwork: true},
			},
		},
		{
			name: "buildKit.skipPush skips the push",
			src:  "image: repo/app\nbuildKit:\n  skipPush: true",
			want: Image{Name: "app", Image: "repo/app", SkipPush: true, BuildKit: &BuildKitBuild{SkipPush: true}},
		},
		{
			name: "docker.skipPush skips the push",
			src:  "image: repo/app\ndocker:\n  skipPush: true",
			want: Image{Name: "app", Image: "repo/app", SkipPush: true, Docker: &DockerBuild{SkipPush: true}},
		},
		{
			name: "legacy build.buildKit.skipPush under a flat docker block",
			src:  "image: repo/app\ndocker: {}\nbuild:\n  buildKit:\n    skipPush: true",
			want: Image{Name: "app", Image: "repo/app", SkipPush: true, Docker: &DockerBuild{}, BuildKit: &BuildKitBuild{SkipPush: true}},
		},
		{
			name: "flat fields win over the legacy block",
			src:  "image: repo/app\ndockerfile: Flat\nbuild:\n  dockerfile: Legacy\n  disabled: true",
			want: Image{Name: "app", Image: "repo/app", Dockerfile: "Flat", Disabled: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "version: v2beta1\nimages:\n  app:\n" + indent(tt.src, "    ") + "\n"
			cfg := mustLoad(t, src, LoadOptions{})
			if diff := cmp.Diff(&tt.want, cfg.Images["app"], emptyIsNil); diff != "" {
				t.Errorf("images.app (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScriptSource(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, `version: v2beta1
pipelines:
  block:
    run: |
      echo one
      echo two
  line:
    run: echo x
  quoted:
    run: "echo x"
  short: |-
    echo short
commands:
  hi: echo hi
functions:
  greet: |
    echo hello
`, LoadOptions{})
	got := map[string]ScriptSource{
		"block":  cfg.Pipelines["block"].Script,
		"line":   cfg.Pipelines["line"].Script,
		"quoted": cfg.Pipelines["quoted"].Script,
		"short":  cfg.Pipelines["short"].Script,
		"hi":     cfg.Commands["hi"].Script,
		"greet":  cfg.ScriptAt("functions.greet"),
	}
	want := map[string]ScriptSource{
		"block":  {Line: 5, Col: 7, Block: true},
		"line":   {Line: 8, Col: 10},
		"quoted": {Line: 10, Col: 11},
		"short":  {Line: 12, Col: 5, Block: true},
		"hi":     {Line: 14, Col: 7},
		"greet":  {Line: 17, Col: 5, Block: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("script sources (-want +got):\n%s", diff)
	}
}

func TestPos(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, `version: v2beta1
images:
  app:
    image: repo/app
    tags:
    - a
`, LoadOptions{})
	tests := []struct {
		path      string
		line, col int
	}{
		{"images.app.image", 4, 12},
		{"images.app.image#key", 4, 5},
		{"images.app", 4, 5},
		{"images.app.tags[0]", 6, 7},
	}
	for _, tt := range tests {
		p, ok := cfg.Pos(tt.path)
		if !ok || p.Line != tt.line || p.Col != tt.col {
			t.Errorf("Pos(%q) = %v, %v; want %d:%d", tt.path, p, ok, tt.line, tt.col)
		}
	}
	if _, ok := cfg.Pos("images.nope"); ok {
		t.Error("Pos of a missing path reports ok")
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	dir := writeConfig(t, "version: v2beta1\nname: default\n")
	custom := filepath.Join(dir, "custom.yaml")
	other := filepath.Join(dir, "other.yaml")
	for file, name := range map[string]string{custom: "custom", other: "other"} {
		if err := os.WriteFile(file, []byte("version: v2beta1\nname: "+name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts LoadOptions
		want string
	}{
		{"devspace.yaml in dir", LoadOptions{Dir: dir}, "default"},
		{"devspace.yaml in a parent", LoadOptions{Dir: sub}, "default"},
		{"DEVSPACE_CONFIG relative to dir", LoadOptions{Dir: dir, Environ: []string{"DEVSPACE_CONFIG=custom.yaml"}}, "custom"},
		{"File wins over DEVSPACE_CONFIG", LoadOptions{Dir: dir, File: other, Environ: []string{"DEVSPACE_CONFIG=custom.yaml"}}, "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Load(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Name != tt.want {
				t.Errorf("loaded %s (name %q), want name %q", cfg.Path, cfg.Name, tt.want)
			}
		})
	}
}

func TestFindErrors(t *testing.T) {
	t.Parallel()
	t.Run("missing --config file", func(t *testing.T) {
		t.Parallel()
		_, err := Load(LoadOptions{Dir: t.TempDir(), File: "nope.yaml"})
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v, want a not-exist error", err)
		}
	})
	t.Run("missing DEVSPACE_CONFIG file", func(t *testing.T) {
		t.Parallel()
		_, err := Load(LoadOptions{Dir: t.TempDir(), Environ: []string{"DEVSPACE_CONFIG=nope.yaml"}})
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v, want a not-exist error", err)
		}
	})
	t.Run("no devspace.yaml anywhere", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		if _, err := Find(LoadOptions{Dir: filepath.Dir(dir)}); err == nil {
			t.Skip("a devspace.yaml exists above the test directory")
		}
		_, err := Load(LoadOptions{Dir: dir})
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("got %v (%T), want *NotFoundError", err, err)
		}
		if len(nf.Tried) < 2 || nf.Tried[0] != filepath.Join(dir, DefaultFile) || nf.Tried[1] != filepath.Join(filepath.Dir(dir), DefaultFile) {
			t.Errorf("Tried = %q, want %s and then its parents", nf.Tried, filepath.Join(dir, DefaultFile))
		}
	})
}

var emptyIsNil = cmp.FilterValues(func(a, b any) bool { return isEmpty(a) && isEmpty(b) }, cmp.Ignore())

// isEmpty treats nil and empty slices and maps alike: the decoder fills
// absent lists with empty ones.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case []string:
		return len(x) == 0
	case map[string]*string:
		return len(x) == 0
	}
	return false
}

func ptr[T any](v T) *T { return &v }

func indent(s, prefix string) string {
	out := prefix
	for _, r := range s {
		out += string(r)
		if r == '\n' {
			out += prefix
		}
	}
	return out
}
