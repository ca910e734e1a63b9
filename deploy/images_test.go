package deploy

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

type fakeImages struct{ built []BuiltImage }

func (f fakeImages) Built() []BuiltImage { return f.built }

func (f fakeImages) Lookup(key string) (string, error) {
	for _, b := range f.built {
		switch key {
		case "images." + b.Name + ".image":
			return b.Repository, nil
		case "images." + b.Name + ".tag":
			return b.Tag, nil
		}
	}
	return "", errors.New("unknown")
}

func TestRewriteReplacesOnlyImageFieldsOfBuiltRepositories(t *testing.T) {
	in := `apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      initContainers:
      - name: migrate
        image: 127.0.0.1:5000/app
      containers:
      - name: app
        image: 127.0.0.1:5000/app:old
        env:
        - name: IMAGE
          value: 127.0.0.1:5000/app
        - name: TAG
          value: ${runtime.images.app.tag}
      - name: pinned
        image: 127.0.0.1:5000/app@sha256:0123456789012345678901234567890123456789012345678901234567890123
      - name: other
        image: 127.0.0.1:5000/application:v1
      - name: hub
        image: nginx
`
	obj := &unstructured.Unstructured{}
	js, _ := yaml.YAMLToJSON([]byte(in))
	if err := obj.UnmarshalJSON(js); err != nil {
		t.Fatal(err)
	}
	imgs := fakeImages{built: []BuiltImage{
		{Name: "app", Repository: "127.0.0.1:5000/app", Tag: "ds-abc", Fresh: true},
		{Name: "web", Repository: "library/nginx", Tag: "v2"},
	}}
	fresh, err := rewrite(obj, newImageTable(imgs.built), imgs, true)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := yaml.Marshal(obj.Object)
	for _, want := range []string{
		"image: 127.0.0.1:5000/app:ds-abc\n        name: migrate",
		"image: 127.0.0.1:5000/app:ds-abc\n        name: app",
		"value: 127.0.0.1:5000/app\n", // an env value is not an image field
		"value: ds-abc",
		"app@sha256:0123", // a digest pins the image
		"image: 127.0.0.1:5000/application:v1",
		"image: library/nginx:v2", // docker.io/library/nginx == nginx
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "ds-abc:") {
		t.Errorf("a tag was appended twice:\n%s", out)
	}
	if len(fresh) != 2 || fresh[0] != "app" {
		t.Errorf("fresh = %v, want app twice", fresh)
	}
}

func TestRewriteWithoutReplacementStillResolvesRuntimeVariables(t *testing.T) {
	obj := &unstructured.Unstructured{Object: map[string]any{
		"kind": "Pod", "spec": map[string]any{"containers": []any{map[string]any{"image": "${runtime.images.app.image}:${runtime.images.app.tag}"}, map[string]any{"image": "127.0.0.1:5000/app:keep"}}},
	}}
	imgs := fakeImages{built: []BuiltImage{{Name: "app", Repository: "127.0.0.1:5000/app", Tag: "t1"}}}
	if _, err := rewrite(obj, newImageTable(imgs.built), imgs, false); err != nil {
		t.Fatal(err)
	}
	cs := obj.Object["spec"].(map[string]any)["containers"].([]any)
	if got := cs[0].(map[string]any)["image"]; got != "127.0.0.1:5000/app:t1" {
		t.Errorf("runtime variables: got %v", got)
	}
	if got := cs[1].(map[string]any)["image"]; got != "127.0.0.1:5000/app:keep" {
		t.Errorf("updateImageTags: false must keep the tag: got %v", got)
	}
}

func TestRewriteNamesTheFieldOfABadRuntimeVariable(t *testing.T) {
	obj := &unstructured.Unstructured{Object: map[string]any{"data": map[string]any{"x": "${runtime.images.nope.tag}"}}}
	_, err := rewrite(obj, nil, fakeImages{}, true)
	if err == nil || !strings.Contains(err.Error(), "data.x: ${runtime.images.nope.tag}") {
		t.Fatalf("error %v", err)
	}
}

func TestRewriteValuesSetsTheTagOfRepositoryMaps(t *testing.T) {
	values := map[string]any{
		"image":   map[string]any{"repository": "127.0.0.1:5000/app", "tag": "latest", "pullPolicy": "IfNotPresent"},
		"sidecar": map[string]any{"image": "127.0.0.1:5000/app:old"},
		"other":   map[string]any{"repository": "127.0.0.1:5000/other", "tag": "v1"},
		"git":     map[string]any{"repository": "127.0.0.1:5000/app", "branch": "main"}, // not an image map
		"env":     []any{map[string]any{"name": "REPO", "value": "127.0.0.1:5000/app"}},
	}
	imgs := fakeImages{built: []BuiltImage{{Name: "app", Repository: "127.0.0.1:5000/app", Tag: "ds-1"}}}
	if _, err := rewriteValues(values, newImageTable(imgs.built), imgs, true); err != nil {
		t.Fatal(err)
	}
	got, _ := yaml.Marshal(values)
	for _, want := range []string{
		"image:\n  pullPolicy: IfNotPresent\n  repository: 127.0.0.1:5000/app\n  tag: ds-1\n",
		"sidecar:\n  image: 127.0.0.1:5000/app:ds-1\n",
		"other:\n  repository: 127.0.0.1:5000/other\n  tag: v1\n",
		"git:\n  branch: main\n  repository: 127.0.0.1:5000/app\n",
		"value: 127.0.0.1:5000/app\n",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("values lack %q:\n%s", want, got)
		}
	}
}

func TestResolveImagePointsBuiltImageNamesAtTheBuiltTag(t *testing.T) {
	t.Parallel()
	imgs := fakeImages{built: []BuiltImage{
		{Name: "app", Repository: "localhost:5000/app", Tag: "t1"},
		{Name: "app-dev", Repository: "localhost:5000/app-dev", Tag: "t2", Fresh: true},
		{Name: "web", Repository: "library/nginx", Tag: "v2"},
	}}
	const digest = "@sha256:0123456789012345678901234567890123456789012345678901234567890123"
	for _, tc := range []struct{ in, want string }{
		{"localhost:5000/app-dev", "localhost:5000/app-dev:t2"},
		{"localhost:5000/app", "localhost:5000/app:t1"},
		// An explicit tag of a built image is replaced, as in manifests
		// (and as DevSpace does when its cache knows the image).
		{"localhost:5000/app-dev:latest", "localhost:5000/app-dev:t2"},
		{"${runtime.images.app.image}-dev", "localhost:5000/app-dev:t2"},
		{"nginx", "library/nginx:v2"},
		{"localhost:5000/app-dev" + digest, "localhost:5000/app-dev" + digest},
		{"localhost:5000/application", "localhost:5000/application"},
		{"busybox:1", "busybox:1"},
	} {
		got, err := ResolveImage(tc.in, imgs)
		if err != nil {
			t.Errorf("ResolveImage(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ResolveImage(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if _, err := ResolveImage("${runtime.images.nope.tag}", imgs); err == nil || !strings.Contains(err.Error(), "runtime.images.nope.tag") {
		t.Errorf("unknown runtime variable: error %v, want one naming it", err)
	}
}

// TestRewriteMovesConfiguredNamesToTheLocalRegistry: an image the local
// registry renamed is found by the name devspace.yaml gives it, in image
// fields and in Helm repository maps, and points at the new name.
func TestRewriteMovesConfiguredNamesToTheLocalRegistry(t *testing.T) {
	imgs := fakeImages{built: []BuiltImage{{Name: "app", Repository: "localhost:31000/library/app", Configured: "app", Tag: "ds-1"}}}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"kind": "Pod", "spec": map[string]any{"containers": []any{map[string]any{"image": "app"}, map[string]any{"image": "docker.io/library/app:old"}}},
	}}
	if _, err := rewrite(obj, newImageTable(imgs.built), imgs, true); err != nil {
		t.Fatal(err)
	}
	cs := obj.Object["spec"].(map[string]any)["containers"].([]any)
	for i := range cs {
		if got := cs[i].(map[string]any)["image"]; got != "localhost:31000/library/app:ds-1" {
			t.Errorf("container %d: image %v", i, got)
		}
	}
	values := map[string]any{"image": map[string]any{"repository": "app", "tag": "latest"}}
	if _, err := rewriteValues(values, newImageTable(imgs.built), imgs, true); err != nil {
		t.Fatal(err)
	}
	if got := values["image"]; got.(map[string]any)["repository"] != "localhost:31000/library/app" || got.(map[string]any)["tag"] != "ds-1" {
		t.Errorf("repository map: %v", got)
	}
}
