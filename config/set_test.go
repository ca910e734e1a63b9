package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPatchObject(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `version: v2beta1
name: set
images:
  app:
    image: r/app
    buildArgs: {A: "1"}
  base:
    image: r/base
    target: prod
deployments:
  web:
    helm:
      values:
        containers:
        - image: alpine
`
	path := filepath.Join(dir, "devspace.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	extra := filepath.Join(dir, "extra.yaml")
	if err := os.WriteFile(extra, []byte("network: host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(path, []byte(src), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, section, object string
		values                SetValues
		want                  map[string]any
	}{
		{"set typed and scoped", "images", "app", SetValues{Set: []string{"app:buildArgs.B=2", "other:target=x", "skipPush=true"}},
			map[string]any{"image": "r/app", "buildArgs": map[string]any{"A": "1", "B": int64(2)}, "skipPush": true}},
		{"set-string keeps text", "images", "app", SetValues{SetString: []string{"buildArgs.B=true"}},
			map[string]any{"image": "r/app", "buildArgs": map[string]any{"A": "1", "B": "true"}}},
		{"from and from-file", "images", "new", SetValues{From: []string{"base"}, FromFile: []string{extra}, Set: []string{"image=r/new"}},
			map[string]any{"image": "r/new", "target": "prod", "network": "host"}},
		{"lists", "deployments", "web", SetValues{Set: []string{"helm.values.containers[0].image=nginx", "helm.values.containers[1].name=side", "helm.values.args={a,b}"}},
			map[string]any{"helm": map[string]any{"values": map[string]any{
				"containers": []any{map[string]any{"image": "nginx"}, map[string]any{"name": "side"}},
				"args":       []any{"a", "b"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cfg.PatchObject(tt.section, tt.object, tt.values)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// The config itself is unchanged.
	if got := cfg.Raw["images"].(map[string]any)["app"].(map[string]any)["buildArgs"]; cmp.Diff(map[string]any{"A": "1"}, got) != "" {
		t.Errorf("config changed: %v", got)
	}
	var img Image
	obj, _ := cfg.PatchObject("images", "app", SetValues{Set: []string{"target=dev"}})
	if err := DecodeObject(obj, &img); err != nil || img.Target != "dev" || img.Image != "r/app" {
		t.Errorf("DecodeObject: %+v, %v", img, err)
	}
	if _, err := cfg.PatchObject("images", "app", SetValues{From: []string{"nope"}}); err == nil {
		t.Error("--from of a missing object: want an error")
	}
	if _, err := cfg.PatchObject("images", "app", SetValues{Set: []string{"novalue"}}); err == nil {
		t.Error("--set without =: want an error")
	}
	obj, _ = cfg.PatchObject("images", "app", SetValues{Set: []string{"typo=1"}})
	if err := DecodeObject(obj, &img); err == nil {
		t.Error("unknown field: want an error")
	}
}
