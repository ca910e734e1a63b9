package scaffold_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/scaffold"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const deploymentYAML = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers: [{name: init, image: busybox:1.36}]
      containers: [{name: web, image: "registry.example:5000/team/web:v3"}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
`

// project is a directory with everything init looks for, and files it
// must not take for what they are not.
var project = map[string]string{
	"Dockerfile":              "FROM scratch\nWORKDIR /srv/app\nEXPOSE 8080/tcp\nEXPOSE 9090\n",
	"tools/Dockerfile":        "FROM scratch\n",
	"k8s/web.yaml":            deploymentYAML,
	"k8s/config.yml":          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
	"extra/mixed.yaml":        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n",
	"extra/settings.yaml":     "log: debug\n",
	"chart/Chart.yaml":        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
	"chart/templates/d.yaml":  "apiVersion: v1\nkind: Pod\n",
	"kust/kustomization.yaml": "resources: [../k8s/web.yaml]\n",
	"devspace-old.yaml":       "version: v2beta1\n",
	"node_modules/x/k.yaml":   "apiVersion: v1\nkind: Pod\n",
	"broken.yaml":             "a: [\n",
}

func TestDetect(t *testing.T) {
	f, err := scaffold.Detect(writeTree(t, project))
	if err != nil {
		t.Fatal(err)
	}
	want := scaffold.Found{
		Dockerfile:     "Dockerfile",
		Port:           8080,
		WorkDir:        "/srv/app",
		Manifests:      []string{"extra/mixed.yaml", "k8s/"},
		ManifestImages: []string{"registry.example:5000/team/web:v3", "busybox:1.36"},
		Chart:          "chart",
		Kustomization:  "kust",
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("Detect:\n got %+v\nwant %+v", f, want)
	}
	if got := f.Methods(); !reflect.DeepEqual(got, []string{"helm", "kustomize", "kubectl", "component"}) {
		t.Errorf("Methods: %v", got)
	}
}

func TestRepository(t *testing.T) {
	for ref, want := range map[string]string{
		"registry.example:5000/team/web:v3": "registry.example:5000/team/web",
		"registry.example:5000/team/web":    "registry.example:5000/team/web",
		"web@sha256:abc":                    "web",
		"web:1":                             "web",
	} {
		if got := scaffold.Repository(ref); got != want {
			t.Errorf("Repository(%q) = %q, want %q", ref, got, want)
		}
	}
}

// TestRenderedConfigsLoad writes the file for each deploy method and
// loads it with the real loader: every file init writes is one devspace
// accepts, with the image, deployment and dev config it should have.
func TestRenderedConfigsLoad(t *testing.T) {
	dir := writeTree(t, project)
	f, err := scaffold.Detect(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range f.Methods() {
		t.Run(method, func(t *testing.T) {
			c := scaffold.Defaults("my-app", f)
			c.Deploy = method
			data, err := scaffold.Render(f, c)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "devspace.yaml")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(path)
			cfg, err := config.Load(config.LoadOptions{File: path, Dir: dir})
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if cfg.Name != "my-app" || cfg.Images["app"] == nil || cfg.Deployments["app"] == nil || cfg.Dev["app"] == nil {
				t.Fatalf("loaded %+v\n%s", cfg, data)
			}
			dev := cfg.Dev["app"]
			if dev.ImageSelector != cfg.Images["app"].Image || len(dev.Sync) != 1 || dev.Sync[0].Path != "./:/srv/app" || len(dev.Ports) != 1 {
				t.Errorf("dev config %+v\n%s", dev, data)
			}
			if cfg.Pipelines["dev"] == nil || !strings.Contains(cfg.Pipelines["dev"].Run, "start_dev app") {
				t.Errorf("no dev pipeline starting app:\n%s", data)
			}
		})
	}
}

func TestDefaultsUseTheManifestsImage(t *testing.T) {
	f := scaffold.Found{Dockerfile: "Dockerfile", Manifests: []string{"k8s/"}, ManifestImages: []string{"reg:5000/web:v1"}}
	if c := scaffold.Defaults("p", f); c.Deploy != "kubectl" || c.Image != "reg:5000/web" {
		t.Errorf("Defaults = %+v", c)
	}
	f = scaffold.Found{Dockerfile: "Dockerfile"}
	if c := scaffold.Defaults("p", f); c.Deploy != "component" || c.Image != "p" {
		t.Errorf("Defaults with a Dockerfile alone = %+v", c)
	}
	if _, err := scaffold.Render(scaffold.Found{}, scaffold.Defaults("p", scaffold.Found{})); err == nil || !strings.Contains(err.Error(), "nothing to deploy") {
		t.Errorf("Render of an empty directory: %v", err)
	}
}
