package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/helm"
	"github.com/devspace-engine/devspace/testbed"
)

// A local chart whose dependency is a file:// directory and whose charts/
// is missing gets it built (packaged into charts/, with a Chart.lock), and
// renders with the dependency's objects; no network is involved.
func TestBuildFileDependency(t *testing.T) {
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{
		"app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n" +
			"  - name: lib\n    version: 0.2.0\n    repository: file://../lib\n",
		"app/templates/app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
		"lib/Chart.yaml":         "apiVersion: v2\nname: lib\nversion: 0.2.0\n",
		"lib/templates/lib.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-lib\ndata:\n  said: {{ .Values.said | quote }}\n",
		"lib/values.yaml":        "said: lib default\n",
	})
	app := filepath.Join(dir, "app")
	resp := mustOp(t, helm.OpTemplate, helm.Request{Release: "web", Chart: helm.Chart{Path: app},
		Values: map[string]any{"lib": map[string]any{"said": "parent value"}}}, helmHome(t)...)
	for _, want := range []string{"name: app", "name: from-lib", `said: "parent value"`} {
		if !strings.Contains(resp.Manifest, want) {
			t.Errorf("manifest lacks %q:\n%s", want, resp.Manifest)
		}
	}
	for _, f := range []string{"charts/lib-0.2.0.tgz", "Chart.lock"} {
		if _, err := os.Stat(filepath.Join(app, f)); err != nil {
			t.Errorf("dependency build: %v", err)
		}
	}
	// The next run finds charts/ complete and loads it as it is.
	mustOp(t, helm.OpTemplate, helm.Request{Release: "web", Chart: helm.Chart{Path: app}}, helmHome(t)...)
}

// A dependency that cannot be fetched fails naming the chart and the
// helm command that does the same.
func TestBuildDependencyFails(t *testing.T) {
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{
		"app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n" +
			"  - name: lib\n    version: 0.2.0\n    repository: file://../no-such-lib\n",
	})
	app := filepath.Join(dir, "app")
	r := runOp(t, helm.OpTemplate, helm.Request{Release: "web", Chart: helm.Chart{Path: app}}, helmHome(t)...)
	want := "build the dependencies of chart " + app + " (as `helm dependency build " + app + "` would): "
	if r.code != 1 || !strings.Contains(r.lastLine(), want) || !strings.Contains(r.lastLine(), "no-such-lib") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and %q", r.code, r.stderr, want)
	}
}
