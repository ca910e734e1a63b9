package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKustomizeBuildsInProcess(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"base/kustomization.yaml":    "resources: [cm.yaml]\n",
		"base/cm.yaml":               "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n",
		"overlay/kustomization.yaml": "resources: [../base]\nnamePrefix: dev-\ncommonLabels: {env: dev}\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := kustomize(dir, []string{"overlay"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Object.GetName() != "dev-settings" || ms[0].Object.GetLabels()["env"] != "dev" {
		t.Fatalf("got %+v", ms)
	}
	if _, err := kustomize(dir, []string{"missing"}, nil); err == nil || !strings.Contains(err.Error(), "kustomize missing") {
		t.Fatalf("a missing kustomization: %v", err)
	}
	if _, err := kustomize(dir, []string{"overlay"}, []string{"--enable-helm"}); err == nil || !strings.Contains(err.Error(), `"--enable-helm" is not supported`) {
		t.Fatalf("an unsupported flag: %v", err)
	}
}
