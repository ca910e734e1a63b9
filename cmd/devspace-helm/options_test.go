package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/helm"
)

// optionsChart writes a chart that shows what the template options
// change: capabilities, install or upgrade, values, a test hook.
func optionsChart(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: opts\nversion: 0.1.0\n",
		"values.yaml": "a: chart\nb: chart\nc: chart\n",
		"templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: opts}
data:
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  api: {{ .Capabilities.APIVersions.Has "example.com/v9" | quote }}
  upgrade: {{ .Release.IsUpgrade | quote }}
  a: {{ .Values.a | quote }}
  b: {{ .Values.b | quote }}
  c: {{ .Values.c | quote }}
`,
		"templates/test.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: opts-test\n  annotations: {helm.sh/hook: test}\nspec: {containers: [{name: t, image: busybox}]}\n",
		"override.yaml":       "b: file\nc: file\n",
		"post.sh":             "#!/bin/sh\nexec sed \"s/$1/$2/\"\n",
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestTemplateOptions(t *testing.T) {
	dir := optionsChart(t)
	req := helm.Request{Release: "opts", Chart: helm.Chart{Path: dir}, Values: map[string]any{"a": "request", "b": "request"}}
	plain := mustOp(t, helm.OpTemplate, req).Manifest
	for _, want := range []string{`a: "request"`, `b: "request"`, `c: "chart"`, `upgrade: "false"`, `api: "false"`, "name: opts-test"} {
		if !strings.Contains(plain, want) {
			t.Errorf("without options, the manifest lacks %q:\n%s", want, plain)
		}
	}

	req.Options = config.HelmOptions{KubeVersion: "v1.29.3", APIVersions: []string{"example.com/v9"}, IsUpgrade: true,
		SkipTests: true, ValuesFiles: []string{filepath.Join(dir, "override.yaml")}, Set: []string{"c=set"}}
	got := mustOp(t, helm.OpTemplate, req).Manifest
	for _, want := range []string{`kube: "v1.29.3"`, `api: "true"`, `upgrade: "true"`, `a: "request"`, `b: "file"`, `c: "set"`} {
		if !strings.Contains(got, want) {
			t.Errorf("with options, the manifest lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "opts-test") {
		t.Errorf("--skip-tests left the test hook in:\n%s", got)
	}

	req.Options = config.HelmOptions{PostRenderer: filepath.Join(dir, "post.sh"), PostRendererArgs: []string{"request", "post-rendered"}}
	if got := mustOp(t, helm.OpTemplate, req).Manifest; !strings.Contains(got, `a: "post-rendered"`) {
		t.Errorf("--post-renderer did not change the manifest:\n%s", got)
	}

	req.Options = config.HelmOptions{NoHooks: true}
	if got := mustOp(t, helm.OpTemplate, req).Manifest; strings.Contains(got, "opts-test") {
		t.Errorf("--no-hooks left the hook in:\n%s", got)
	}

	req.Options = config.HelmOptions{KubeVersion: "not-a-version"}
	if r := runOp(t, helm.OpTemplate, req); r.code == 0 || !strings.Contains(r.lastLine(), `--kube-version "not-a-version"`) {
		t.Errorf("bad --kube-version: exit %d, %s", r.code, r.lastLine())
	}
}
