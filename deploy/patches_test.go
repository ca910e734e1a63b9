package deploy

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/devspace-engine/devspace/config"
)

const patchManifestsSrc = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: app
        image: busybox
      - name: side
        image: busybox
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  a: "1"
`

func patchedManifests(t *testing.T, patches string) ([]Manifest, error) {
	t.Helper()
	src := "version: v2beta1\nname: p\ndeployments:\n  web:\n    kubectl:\n      manifests: [m.yaml]\n      patches:\n" + patches
	cfg, err := config.Parse("/p/devspace.yaml", []byte(src), config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := ParseManifests("m.yaml", []byte(patchManifestsSrc))
	if err != nil {
		t.Fatal(err)
	}
	return ms, patchManifests(cfg, "web", ms)
}

func TestPatchManifests(t *testing.T) {
	ms, err := patchedManifests(t, `      - target: {apiVersion: apps/v1, kind: Deployment, name: web}
        op: replace
        path: spec.replicas
        value: 3
      - target: {kind: Deployment, name: web}
        op: add
        path: /spec/template/spec/containers/0/env
        value: [{name: MODE, value: patched}]
      - target: {kind: Deployment, name: web}
        op: replace
        path: spec.template.spec.containers[name=side].image
        value: alpine
      - target: {kind: ConfigMap, name: web}
        op: remove
        path: data.a
      - target: {kind: ConfigMap, name: web}
        op: add
        path: metadata.labels.team
        value: blue
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  template:
    spec:
      containers:
      - env:
        - name: MODE
          value: patched
        image: busybox
        name: app
      - image: alpine
        name: side
`, `apiVersion: v1
data: {}
kind: ConfigMap
metadata:
  labels:
    team: blue
  name: web
`}
	for i, m := range ms {
		got, err := yaml.Marshal(m.Object.Object)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want[i] {
			t.Errorf("object %d:\n%s\nwant:\n%s", i, got, want[i])
		}
	}
	if _, ok := ms[0].Object.Object["spec"].(map[string]any)["replicas"].(int64); !ok {
		t.Errorf("replicas is %T, want int64 as decoded JSON holds it", ms[0].Object.Object["spec"].(map[string]any)["replicas"])
	}
}

// A patch that reaches nothing fails at the patch in devspace.yaml.
func TestPatchManifestsErrors(t *testing.T) {
	for _, tc := range []struct{ patch, want string }{
		{`      - target: {kind: Deployment, name: api}
        path: spec.replicas
        value: 2
`, `devspace.yaml:8:17: deployment web: no manifest is kind Deployment, name api`},
		{`      - target: {kind: Deployment, name: web}
        path: spec.template.spec.containers[name=nope].image
        value: x
`, `devspace.yaml:9:15: deployment web: patch path "spec.template.spec.containers[name=nope].image" reaches nothing to replace in Deployment web (m.yaml:1)`},
		{`      - target: {kind: ConfigMap, name: web}
        op: remove
        path: /data/missing
`, `devspace.yaml:10:15: deployment web: patch path "/data/missing" reaches nothing to remove in ConfigMap web`},
	} {
		_, err := patchedManifests(t, tc.patch)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v\nwant it to contain %q", err, tc.want)
		}
	}
}
