package config

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVariables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		vars string // the `vars:` section, indented
		opts LoadOptions
		want map[string]string
	}{
		{"static value", "  A: x\n  B:\n    value: y", LoadOptions{}, map[string]string{"A": "x", "B": "y"}},
		{"default", "  A:\n    default: d", LoadOptions{}, map[string]string{"A": "d"}},
		{"environment wins over default", "  A:\n    default: d", LoadOptions{Environ: []string{"A=env"}}, map[string]string{"A": "env"}},
		{"source env", "  A:\n    source: env", LoadOptions{Environ: []string{"A=env"}}, map[string]string{"A": "env"}},
		{"command shorthand is trimmed", "  A: $(printf ' hi \\n')", LoadOptions{}, map[string]string{"A": "hi"}},
		{"command with args runs without a shell", "  A:\n    command: echo\n    args: [a, '$B']", LoadOptions{}, map[string]string{"A": "a $B"}},
		{"command sees earlier variables", "  A: $(echo $B-cmd)\n  B: b", LoadOptions{}, map[string]string{"A": "b-cmd"}},
		{"--var overrides a value", "  A: x", LoadOptions{Vars: []string{"A=flag"}}, map[string]string{"A": "flag"}},
		{"--var without a definition", "  A: x", LoadOptions{Vars: []string{"NEW=n=1"}}, map[string]string{"NEW": "n=1"}},
		{"reference to another variable", "  A: ${B}-a\n  B: ${C}-b\n  C: c", LoadOptions{}, map[string]string{"A": "c-b-a", "B": "c-b"}},
		{"reference to the environment", "  A: ${FROM_ENV}", LoadOptions{Environ: []string{"FROM_ENV=e"}}, map[string]string{"A": "e"}},
		{"predefined DEVSPACE_NAME from name", "  A: ${DEVSPACE_NAME}", LoadOptions{}, map[string]string{"DEVSPACE_NAME": "demo", "devspace.name": "demo", "A": "demo"}},
		{"namespace flag", "  A: x", LoadOptions{Namespace: "ns"}, map[string]string{"DEVSPACE_NAMESPACE": "ns", "devspace.namespace": "ns"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustLoad(t, "version: v2beta1\nname: demo\nvars:\n"+tt.vars+"\n", tt.opts)
			got := map[string]string{}
			for k := range tt.want {
				got[k] = cfg.Variables[k]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("variables (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVariableErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want wantPos
	}{
		{
			name: "cycle",
			src:  "version: v2beta1\nvars:\n  A: ${B}\n  B: ${A}\n",
			want: wantPos{3, 6, `variable "A" refers to itself`},
		},
		{
			name: "value and default",
			src:  "version: v2beta1\nvars:\n  A:\n    value: x\n    default: y\n",
			want: wantPos{4, 5, "sets both value and default"},
		},
		{
			name: "failing command",
			src:  "version: v2beta1\nvars:\n  A: $(exit 3)\n",
			want: wantPos{3, 6, `command "exit 3" failed`},
		},
		{
			name: "undefined reference",
			src:  "version: v2beta1\nvars:\n  A: ${NOPE}\n",
			want: wantPos{3, 6, `variable "NOPE" is not defined`},
		},
		{
			name: "invalid name",
			src:  "version: v2beta1\nvars:\n  -bad: x\n",
			want: wantPos{3, 3, `invalid variable name "-bad"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tt.src, LoadOptions{})
			checkError(t, err, tt.want)
		})
	}
}

func TestProjectNameDefaultsToDirectory(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, "version: v2beta1\n", LoadOptions{})
	want := filepath.Base(cfg.Dir)
	if cfg.Name != want || cfg.Variables["DEVSPACE_NAME"] != want {
		t.Errorf("name %q, DEVSPACE_NAME %q; want the directory name %q", cfg.Name, cfg.Variables["DEVSPACE_NAME"], want)
	}
}

func TestSubstitution(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, `version: v2beta1
vars:
  N: "3"
  ON: "true"
  VERSION: "1.10"
  ZERO: "010"
  IMAGE: repo/app
images:
  app:
    image: ${IMAGE}
    tags: ["${VERSION}", "${ZERO}", "v-${N}"]
deployments:
  web:
    helm:
      values:
        replicas: ${N}
        enabled: ${ON}
        version: ${VERSION}
        quoted: "${N}"
        tag: ${runtime.images.app.tag}
        mixed: ${IMAGE}:${runtime.images.app.tag}
pipelines:
  dev: echo ${IMAGE} ${NOT_DEFINED}
commands:
  c: echo ${NOT_DEFINED}
functions:
  f: echo ${IMAGE}
`, LoadOptions{})
	if got := cfg.Images["app"].Image; got != "repo/app" {
		t.Errorf("image = %q", got)
	}
	if diff := cmp.Diff([]string{"1.10", "010", "v-3"}, cfg.Images["app"].Tags); diff != "" {
		t.Errorf("tags keep their text (-want +got):\n%s", diff)
	}
	values := rawAt(t, cfg, "deployments.web.helm.values")
	want := map[string]any{
		"replicas": uint64(3), "enabled": true, "version": "1.10", "quoted": uint64(3),
		"tag":   "${runtime.images.app.tag}",
		"mixed": "repo/app:${runtime.images.app.tag}",
	}
	if diff := cmp.Diff(want, values); diff != "" {
		t.Errorf("helm values (-want +got):\n%s", diff)
	}
	scripts := map[string]string{
		"pipeline": cfg.Pipelines["dev"].Run,
		"command":  cfg.Commands["c"].Command,
		"function": cfg.Functions["f"],
	}
	wantScripts := map[string]string{
		"pipeline": "echo ${IMAGE} ${NOT_DEFINED}",
		"command":  "echo ${NOT_DEFINED}",
		"function": "echo ${IMAGE}",
	}
	if diff := cmp.Diff(wantScripts, scripts); diff != "" {
		t.Errorf("scripts are left for the shell (-want +got):\n%s", diff)
	}
}
