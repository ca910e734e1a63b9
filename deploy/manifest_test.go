package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseManifestsKeepsDocumentLines(t *testing.T) {
	text := `# leading comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
---
---   # empty document
# only a comment
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: two}
- apiVersion: v1
  kind: Secret
  metadata: {name: three}
--- 
{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "four"}}
`
	ms, err := ParseManifests("m.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Object.GetKind()+"/"+m.Object.GetName()+"@"+m.Where())
	}
	want := "ConfigMap/one@m.yaml:1 ConfigMap/two@m.yaml:10 Secret/three@m.yaml:10 ConfigMap/four@m.yaml:20"
	if strings.Join(got, " ") != want {
		t.Fatalf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestParseManifestsErrorsPointIntoTheFile(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n   labels: x\n", "m.yaml:10: invalid YAML: mapping values are not allowed in this context"},
		{"no kind", "apiVersion: v1\nmetadata:\n  name: a\n", "m.yaml:1: not a Kubernetes object"},
		{"no name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "m.yaml:1: ConfigMap has no metadata.name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifests("m.yaml", []byte(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestManifestFilesExpandsGlobsAndDirectories(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"k8s/a.yaml", "k8s/b.yml", "k8s/notes.txt", "k8s/sub/c.yaml", "other/d.json", "single.yaml"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := manifestFiles(dir, []string{"single.yaml", "k8s", "other/*.json", "k8s/a.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	want := "single.yaml k8s/a.yaml k8s/b.yml other/d.json"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %q, want %q", strings.Join(got, " "), want)
	}
	if _, err := manifestFiles(dir, []string{"missing/*.yaml"}); err == nil || !strings.Contains(err.Error(), "matches no file") {
		t.Fatalf("a glob matching nothing: %v", err)
	}
	if _, err := manifestFiles(dir, []string{"nope.yaml"}); err == nil || !strings.Contains(err.Error(), `"nope.yaml"`) {
		t.Fatalf("a missing file: %v", err)
	}
}
