package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// profileBase is the config every profile test starts from; the test's
// profiles are appended under `profiles:` (from line 20 on).
const profileBase = `version: v2beta1
vars:
  TAG: v9
images:
  app:
    image: repo/app
    tags: [a]
deployments:
  web:
    helm:
      values:
        containers:
        - name: c1
          image: x1
        - name: c2
          image: x2
pipelines:
  dev: echo base
profiles:
`

func TestProfiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		profiles string
		auto     bool // select nothing with -p: rely on activation
		opts     LoadOptions
		path     string // dotted path into Raw; empty: images and deployments
		want     any
	}{
		{
			name:     "replace patch, dotted path",
			profiles: "- name: p\n  patches:\n  - op: replace\n    path: images.app.image\n    value: repo/other",
			path:     "images.app.image", want: "repo/other",
		},
		{
			name:     "op defaults to replace; JSON pointer into a list",
			profiles: "- name: p\n  patches:\n  - path: /deployments/web/helm/values/containers/1/image\n    value: y2",
			path:     "deployments.web.helm.values.containers",
			want:     []any{map[string]any{"name": "c1", "image": "x1"}, map[string]any{"name": "c2", "image": "y2"}},
		},
		{
			name:     "index in dotted path; value gets ${VAR} substituted",
			profiles: "- name: p\n  patches:\n  - path: deployments.web.helm.values.containers[0].image\n    value: repo:${TAG}",
			path:     "deployments.web.helm.values.containers",
			want:     []any{map[string]any{"name": "c1", "image": "repo:v9"}, map[string]any{"name": "c2", "image": "x2"}},
		},
		{
			name:     "wildcard",
			profiles: "- name: p\n  patches:\n  - path: deployments.web.helm.values.containers[*].image\n    value: z",
			path:     "deployments.web.helm.values.containers",
			want:     []any{map[string]any{"name": "c1", "image": "z"}, map[string]any{"name": "c2", "image": "z"}},
		},
		{
			name:     "add to a list named by its path appends",
			profiles: "- name: p\n  patches:\n  - op: add\n    path: images.app.tags\n    value: b",
			path:     "images.app.tags", want: []any{"a", "b"},
		},
		{
			name:     "add with /- appends",
			profiles: "- name: p\n  patches:\n  - op: add\n    path: /images/app/tags/-\n    value: c",
			path:     "images.app.tags", want: []any{"a", "c"},
		},
		{
			name:     "add at an index inserts",
			profiles: "- name: p\n  patches:\n  - op: add\n    path: /images/app/tags/0\n    value: first",
			path:     "images.app.tags", want: []any{"first", "a"},
		},
		{
			name:     "add sets a key and creates missing mappings",
			profiles: "- name: p\n  patches:\n  - op: add\n    path: images.app.buildArgs.FOO\n    value: bar",
			path:     "images.app.buildArgs", want: map[string]any{"FOO": "bar"},
		},
		{
			name:     "add a whole image",
			profiles: "- name: p\n  patches:\n  - op: add\n    path: images.api\n    value:\n      image: repo/api",
			path:     "images.api", want: map[string]any{"image": "repo/api"},
		},
		{
			name:     "add onto a map adds its keys beside the old ones",
			profiles: "- name: p\n  patches:\n  - op: add\n    path: pipelines\n    value:\n      noop: echo noop",
			path:     "pipelines", want: map[string]any{"dev": map[string]any{"run": "echo base"}, "noop": map[string]any{"run": "echo noop"}},
		},
		{
			name:     "add a top-level key",
			profiles: "- name: p\n  patches:\n  - op: add\n    path: name\n    value: renamed",
			path:     "name", want: "renamed",
		},
		{
			name:     "remove a key",
			profiles: "- name: p\n  patches:\n  - op: remove\n    path: images.app.tags",
			path:     "images.app", want: map[string]any{"image": "repo/app"},
		},
		{
			name:     "remove a list element",
			profiles: "- name: p\n  patches:\n  - op: remove\n    path: deployments.web.helm.values.containers[0]",
			path:     "deployments.web.helm.values.containers",
			want:     []any{map[string]any{"name": "c2", "image": "x2"}},
		},
		{
			name:     "merge: mappings merge, lists and scalars are replaced, null deletes",
			profiles: "- name: p\n  merge:\n    images:\n      app:\n        tags: [m]\n        dockerfile: Dockerfile.dev\n    deployments:\n      web:\n        helm:\n          values: null\n          releaseName: r",
			want: map[string]any{
				"images":      map[string]any{"app": map[string]any{"image": "repo/app", "tags": []any{"m"}, "dockerfile": "Dockerfile.dev"}},
				"deployments": map[string]any{"web": map[string]any{"helm": map[string]any{"releaseName": "r"}}},
			},
		},
		{
			name:     "replace swaps whole sections and expands shorthands",
			profiles: "- name: p\n  replace:\n    pipelines:\n      deploy: echo replaced",
			path:     "pipelines", want: map[string]any{"deploy": map[string]any{"run": "echo replaced"}},
		},
		{
			name:     "replace, then merge, then patches",
			profiles: "- name: p\n  patches:\n  - op: add\n    path: images.app.tags\n    value: patched\n  merge:\n    images:\n      app:\n        tags: [merged]\n  replace:\n    images:\n      app:\n        image: repo/replaced",
			path:     "images.app", want: map[string]any{"image": "repo/replaced", "tags": []any{"merged", "patched"}},
		},
		{
			name:     "parent before child, parents in order, each once",
			profiles: "- name: base\n  merge:\n    images: {app: {tags: [base]}}\n- name: extra\n  parent: base\n  patches:\n  - {op: add, path: images.app.tags, value: extra}\n- name: p\n  parent: base\n  parents:\n  - profile: extra\n  patches:\n  - {op: add, path: images.app.tags, value: p}",
			path:     "images.app.tags", want: []any{"base", "extra", "p"},
		},
		{
			name:     "activation by env",
			profiles: "- name: ci\n  activation:\n  - env:\n      CI: 'true|yes'\n  patches:\n  - {path: images.app.image, value: repo/ci}",
			auto:     true,
			opts:     LoadOptions{Environ: []string{"CI=yes"}},
			path:     "images.app.image", want: "repo/ci",
		},
		{
			name:     "activation is anchored",
			profiles: "- name: ci\n  activation:\n  - env:\n      CI: 'true'\n  patches:\n  - {path: images.app.image, value: repo/ci}",
			auto:     true,
			opts:     LoadOptions{Environ: []string{"CI=true-ish"}},
			path:     "images.app.image", want: "repo/app",
		},
		{
			name:     "activation needs every key of an entry",
			profiles: "- name: ci\n  activation:\n  - env: {CI: 'true', OTHER: x}\n  patches:\n  - {path: images.app.image, value: repo/ci}",
			auto:     true,
			opts:     LoadOptions{Environ: []string{"CI=true"}},
			path:     "images.app.image", want: "repo/app",
		},
		{
			name:     "activation entries are alternatives; vars come from --var",
			profiles: "- name: dev\n  activation:\n  - env: {CI: 'true'}\n  - vars: {MODE: dev}\n  patches:\n  - {path: images.app.image, value: repo/dev}",
			auto:     true,
			opts:     LoadOptions{Vars: []string{"MODE=dev"}},
			path:     "images.app.image", want: "repo/dev",
		},
		{
			name:     "activation disabled",
			profiles: "- name: ci\n  activation:\n  - env: {CI: 'true'}\n  patches:\n  - {path: images.app.image, value: repo/ci}",
			auto:     true,
			opts:     LoadOptions{Environ: []string{"CI=true"}, DisableProfileActivation: true},
			path:     "images.app.image", want: "repo/app",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := tt.opts
			if !tt.auto {
				opts.Profiles = []string{"p"}
			}
			cfg := mustLoad(t, profileBase+tt.profiles+"\n", opts)
			var got any = map[string]any{"images": cfg.Raw["images"], "deployments": cfg.Raw["deployments"]}
			if tt.path != "" {
				got = rawAt(t, cfg, tt.path)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.path, diff)
			}
		})
	}
}

func TestActiveProfiles(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, profileBase+`- name: a
- name: b
- name: auto
  activation:
  - env: {CI: 'true'}
`, LoadOptions{Profiles: []string{"b", "a", "b"}, Environ: []string{"CI=true"}})
	want := []string{"auto", "b", "a"}
	if diff := cmp.Diff(want, cfg.ActiveProfiles); diff != "" {
		t.Errorf("ActiveProfiles (-want +got):\n%s", diff)
	}
	if cfg.Variables["DEVSPACE_PROFILE"] != "a" || cfg.Variables["DEVSPACE_PROFILES"] != "auto b a" {
		t.Errorf("DEVSPACE_PROFILE=%q DEVSPACE_PROFILES=%q", cfg.Variables["DEVSPACE_PROFILE"], cfg.Variables["DEVSPACE_PROFILES"])
	}
}

func TestUnknownProfile(t *testing.T) {
	t.Parallel()
	_, err := load(t, profileBase+"- name: a\n- name: b\n", LoadOptions{Profiles: []string{"nope"}})
	want := `profile "nope" not found; profiles in devspace.yaml: a, b`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	_, err = load(t, "version: v2beta1\n", LoadOptions{Profiles: []string{"nope"}})
	want = `profile "nope" not found: devspace.yaml defines no profiles`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestProfileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		profiles string // appended at line 20
		want     wantPos
	}{
		{
			name:     "replace of a missing dotted path adds it, and the result is checked at the patch",
			profiles: "- name: p\n  patches:\n  - path: images.app.nope\n    value: x",
			want:     wantPos{22, 11, `unknown field "nope" in images.app`},
		},
		{
			name:     "replace of a missing JSON-pointer path",
			profiles: "- name: p\n  patches:\n  - path: /images/app/nope\n    value: x",
			want:     wantPos{22, 11, `nothing at path "/images/app/nope" to replace`},
		},
		{
			name:     "bad value from a merge points into the profile",
			profiles: "- name: p\n  merge:\n    pipelines:\n      dev:\n        continueOnError: maybe",
			want:     wantPos{24, 26, `pipelines.dev.continueOnError: expected a boolean`},
		},
		{
			name:     "bad value from a patch points into the profile",
			profiles: "- name: p\n  patches:\n  - op: add\n    path: pipelines.dev.continueOnError\n    value: maybe",
			want:     wantPos{24, 12, `pipelines.dev.continueOnError: expected a boolean`},
		},
		{
			name:     "unknown field from a merge",
			profiles: "- name: p\n  merge:\n    images:\n      app:\n        dockerfil: D",
			want:     wantPos{24, 9, `unknown field "dockerfil" in images.app (did you mean "dockerfile"?)`},
		},
		{
			name:     "undefined variable in a profile value",
			profiles: "- name: p\n  patches:\n  - path: images.app.image\n    value: repo/${NOPE}",
			want:     wantPos{23, 17, `variable "NOPE" is not defined`},
		},
		{
			name:     "unknown op",
			profiles: "- name: p\n  patches:\n  - op: move\n    path: images.app.image",
			want:     wantPos{22, 9, `unknown patch op "move"`},
		},
		{
			name:     "replace without value",
			profiles: "- name: p\n  patches:\n  - path: images.app.image",
			want:     wantPos{22, 11, "needs a `value:`"},
		},
		{
			name:     "unsupported selector",
			profiles: "- name: p\n  patches:\n  - path: images[first].image\n    value: x",
			want:     wantPos{22, 11, "unsupported selector"},
		},
		{
			name:     "a profile cannot change the version",
			profiles: "- name: p\n  merge:\n    version: v1beta11",
			want:     wantPos{22, 5, "a profile cannot change `version`"},
		},
		{
			name:     "unknown parent",
			profiles: "- name: p\n  parent: nope",
			want:     wantPos{21, 11, `parent profile "nope" not found`},
		},
		{
			name:     "parent cycle",
			profiles: "- name: p\n  parent: q\n- name: q\n  parents:\n  - profile: p",
			want:     wantPos{24, 14, "profile parents form a cycle: p -> q -> p"},
		},
		{
			name:     "duplicate profile",
			profiles: "- name: p\n- name: p",
			want:     wantPos{21, 9, `profile "p" is defined twice`},
		},
		{
			name:     "unknown profile field",
			profiles: "- name: p\n  patchs: []",
			want:     wantPos{21, 3, `unknown field "patchs" in profiles[0] (did you mean "patches"?)`},
		},
		{
			name:     "invalid activation pattern",
			profiles: "- name: p\n  activation:\n  - env: {CI: '('}",
			want:     wantPos{22, 15, "invalid pattern for CI"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, profileBase+tt.profiles+"\n", LoadOptions{Profiles: []string{"p"}})
			checkError(t, err, tt.want)
		})
	}
}

func TestParsePatchPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		want []string
	}{
		{"images.app.image", []string{"images", "app", "image"}},
		{"a.list[0].b", []string{"a", "list", "0", "b"}},
		{"a.grid[1][*]", []string{"a", "grid", "1", "*"}},
		{"images.*.tags", []string{"images", "*", "tags"}},
		{"/images/app/tags/-", []string{"images", "app", "tags", "-"}},
		{"/values/a~1b/c~0d", []string{"values", "a/b", "c~d"}},
		{"$.images.app", []string{"images", "app"}},
		{".images.app", []string{"images", "app"}},
		{"a..b", []string{"a", descendSeg, "b"}},
		{"..[?(@.image=='x.y')].image", []string{descendSeg, selectorSeg(cond{'=', "image", "x.y"}), "image"}},
		{"d.name=web.helm", []string{"d", selectorSeg(cond{'=', "name", "web"}), "helm"}},
		{"d[?(@.a.b=~/^p/ || @.c==1)]", []string{"d", selectorSeg(cond{'~', "a.b", "^p"}, cond{'=', "c", "1"})}},
	}
	for _, tt := range tests {
		got, err := parsePatchPath(tt.path)
		if err != nil {
			t.Errorf("parsePatchPath(%q): %v", tt.path, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parsePatchPath(%q) (-want +got):\n%s", tt.path, diff)
		}
	}
	for _, bad := range []string{"", "a.", "a[x]", "a[0", "a[0]b", "a[?(@.x)]", "a[?(@.x=~/(/)]", "a.=b"} {
		if _, err := parsePatchPath(bad); err == nil {
			t.Errorf("parsePatchPath(%q) succeeded, want an error", bad)
		}
	}
}

func TestProfileRenamesProject(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, "version: v2beta1\nname: before\nprofiles:\n- name: p\n  patches:\n  - {path: name, value: after}\n",
		LoadOptions{Profiles: []string{"p"}})
	if cfg.Name != "after" || cfg.Variables["DEVSPACE_NAME"] != "after" {
		t.Errorf("name %q, DEVSPACE_NAME %q; want the profile's name", cfg.Name, cfg.Variables["DEVSPACE_NAME"])
	}
}
