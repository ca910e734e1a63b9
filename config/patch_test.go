package config

import (
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/google/go-cmp/cmp"
)

// applyOnePatch applies one patch to the YAML document input, at the tree
// level (no schema), and returns the result as plain data.
func applyOnePatch(t *testing.T, input, op, path, value string) (any, error) {
	t.Helper()
	l := &loader{path: "devspace.yaml", src: []byte(input)}
	f, err := parser.ParseBytes([]byte(input), 0)
	if err != nil {
		t.Fatal(err)
	}
	l.root = f.Docs[0].Body
	item := "op: " + op + "\npath: " + path + "\n"
	if value != "" {
		item += "value:\n  " + strings.ReplaceAll(value, "\n", "\n  ") + "\n"
	}
	node, err := parseValueNode(item)
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.readPatch(node, "patches[0]")
	if err != nil {
		return nil, err
	}
	if err := l.applyPatch(ref{node: l.root, set: func(n ast.Node) { l.root = n }}, p); err != nil {
		return nil, err
	}
	var out any
	if err := yaml.NodeToValue(l.root, &out); err != nil {
		t.Fatal(err)
	}
	return out, nil
}

func yamlValue(t *testing.T, src string) any {
	t.Helper()
	var out any
	if err := yaml.Unmarshal([]byte(src), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPatchOps runs DevSpace's add/replace/remove cases (its patch package's
// operation tests and its config e2e cases) against the profile patches.
func TestPatchOps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input, op, path, value string
		want                         string // YAML; empty: want an error
		err                          string
	}{
		// add
		{name: "add an element to an object", input: "foo: bar", op: "add", path: "baz", value: "qux",
			want: "{foo: bar, baz: qux}"},
		{name: "add an element to an array at an index", input: "foo: [bar, baz]", op: "add", path: "foo[1]", value: "qux",
			want: "foo: [bar, qux, baz]"},
		{name: "add an object to an object", input: "foo: bar", op: "add", path: "child", value: "grandchild: {}",
			want: "{foo: bar, child: {grandchild: {}}}"},
		{name: "add a nil element to an object", input: "foo: bar", op: "add", path: "baz", value: "~",
			want: "{foo: bar, baz: null}"},
		{name: "add an element to the root of the document", input: "foo: bar", op: "add", path: "$", value: "baz: qux",
			want: "{foo: bar, baz: qux}"},
		{name: "replace the whole document is refused", input: "foo: bar", op: "replace", path: "$", value: "baz: qux",
			err: "only op: add"},
		{name: "add an array to a missing key whose parent exists", input: "dev: {}", op: "add", path: "dev.ports", value: "- imageSelector: test",
			want: "dev: {ports: [{imageSelector: test}]}"},
		{name: "add a property to an object keeps the others", input: "images:\n  backend:\n    image: john/devbackend", op: "add", path: "images.backend", value: "dockerfile: ./prod.Dockerfile",
			want: "images: {backend: {image: john/devbackend, dockerfile: ./prod.Dockerfile}}"},
		{name: "add to a map keeps its entries", input: "images:\n  backend:\n    image: john/devbackend", op: "add", path: "images", value: "backend-prod:\n  image: john/prodbackend\n  dockerfile: ./prod.Dockerfile",
			want: "images: {backend: {image: john/devbackend}, backend-prod: {image: john/prodbackend, dockerfile: ./prod.Dockerfile}}"},
		{name: "add pipelines beside the existing ones (pipelines e2e: flags)", input: "pipelines:\n  dev:\n    run: echo dev", op: "add", path: "pipelines", value: "noop:\n  run: echo noop",
			want: "pipelines: {dev: {run: echo dev}, noop: {run: echo noop}}"},
		{name: "add to an array appends", input: "deployments:\n- name: devbackend", op: "add", path: "deployments", value: "name: prodbackend",
			want: "deployments: [{name: devbackend}, {name: prodbackend}]"},
		{name: "add a missing array", input: "version: v1beta10", op: "add", path: "deployments", value: "- name: prodbackend",
			want: "{version: v1beta10, deployments: [{name: prodbackend}]}"},
		{name: "add an object that does not exist", input: "deployments:\n- name: devbackend", op: "add", path: "new", value: "name: prodbackend",
			want: "{deployments: [{name: devbackend}], new: {name: prodbackend}}"},
		{name: "add at a wildcard path that does not exist", input: "deployments:\n- name: devbackend\n- name: prodbackend", op: "add", path: "deployments[*].helm", value: "values:\n  containers:\n  - name: proxy",
			want: "deployments: [{name: devbackend, helm: {values: {containers: [{name: proxy}]}}}, {name: prodbackend, helm: {values: {containers: [{name: proxy}]}}}]"},
		{name: "add at a wildcard path where some exist", input: "deployments:\n- name: devbackend\n- name: prodbackend\n  kubectl:\n    manifests: []", op: "add", path: "deployments[*].kubectl.manifests", value: "test.yaml",
			want: "deployments: [{name: devbackend}, {name: prodbackend, kubectl: {manifests: [test.yaml]}}]"},
		{name: "add onto an existing scalar is refused (config e2e: patch-add-dont-overwrite-existing-key)", input: "images:\n  importme:\n    image: golang\n    context: ../..", op: "add", path: "images.importme.context", value: "../..",
			err: "already has a value"},
		{name: "add a missing key next to existing ones (same e2e)", input: "images:\n  importme:\n    image: golang\n    context: ../..", op: "add", path: "images.importme.rebuildStrategy", value: "ignoreContextChanges",
			want: "images: {importme: {image: golang, context: ../.., rebuildStrategy: ignoreContextChanges}}"},
		{name: "add a key a map already has is refused", input: "images:\n  app:\n    image: a", op: "add", path: "images", value: "app:\n  image: b",
			err: `already has key "app"`},
		{name: "add a scalar onto a map is refused", input: "images:\n  app:\n    image: a", op: "add", path: "images", value: "b",
			err: "add needs a mapping"},
		{name: "add a list onto a list appends its elements (DevSpace nests it)", input: "foo: [bar]", op: "add", path: "foo", value: "[abc, def]",
			want: "foo: [bar, abc, def]"},
		// replace
		{name: "replace an element in an object", input: "{foo: bar, baz: qux}", op: "replace", path: "baz", value: "boo",
			want: "{foo: bar, baz: boo}"},
		{name: "replace the sole element in an array", input: "foo: [bar]", op: "replace", path: "foo[0]", value: "baz",
			want: "foo: [baz]"},
		{name: "replace a scalar value", input: "images:\n  backend:\n    image: john/devbackend\n  backend-prod:\n    image: john/prodbackend", op: "replace", path: "images.backend.image", value: "john/stagingbackend",
			want: "images: {backend: {image: john/stagingbackend}, backend-prod: {image: john/prodbackend}}"},
		{name: "replace an array element by name", input: "deployments:\n- name: devbackend\n- name: prodbackend", op: "replace", path: "deployments[?(@.name=='prodbackend')]", value: "name: testbackend",
			want: "deployments: [{name: devbackend}, {name: testbackend}]"},
		{name: "replace an array element by name, legacy syntax", input: "deployments:\n- name: devbackend\n- name: prodbackend", op: "replace", path: "deployments.name=prodbackend", value: "name: testbackend",
			want: "deployments: [{name: devbackend}, {name: testbackend}]"},
		{name: "replace an object", input: "images:\n  backend:\n    image: john/devbackend\n    dockerfile: x", op: "replace", path: "images.backend", value: "image: john/stagingbackend",
			want: "images: {backend: {image: john/stagingbackend}}"},
		{name: "replace all property values", input: "images:\n  backend:\n    image: a\n  backend-prod:\n    image: b\n    dockerfile: ./prod.Dockerfile", op: "replace", path: "images.*.image", value: "c",
			want: "images: {backend: {image: c}, backend-prod: {image: c, dockerfile: ./prod.Dockerfile}}"},
		{name: "replace all objects", input: "images:\n  backend:\n    image: a\n  backend-prod:\n    image: b\n    dockerfile: ./prod.Dockerfile", op: "replace", path: "images.*", value: "image: c",
			want: "images: {backend: {image: c}, backend-prod: {image: c}}"},
		{name: "replace with no match adds (DevSpace's config patches)", input: "deployments:\n- name: devbackend", op: "replace", path: "images.backend-nonexisting", value: "image: x",
			want: "{deployments: [{name: devbackend}], images: {backend-nonexisting: {image: x}}}"},
		{name: "replace with no match, JSON pointer", input: "deployments:\n- name: devbackend", op: "replace", path: "/images/backend-nonexisting", value: "image: x",
			err: "nothing at path"},
		{name: "replace a field of the selected element", input: "deployments:\n- name: backend\n  helm:\n    values:\n      containers:\n      - image: john/devbackend\n      - image: john/debugger", op: "replace", path: "deployments.name=backend.helm.values.containers.image=john/debugger.image", value: "john/other",
			want: "deployments: [{name: backend, helm: {values: {containers: [{image: john/devbackend}, {image: john/other}]}}}]"},
		// remove
		{name: "remove an element from an object", input: "{foo: bar, baz: qux}", op: "remove", path: "baz",
			want: "foo: bar"},
		{name: "remove an element from an array", input: "foo: [bar, qux, baz]", op: "remove", path: "foo[1]",
			want: "foo: [bar, baz]"},
		{name: "remove a nil element from an object", input: "foo: bar\nqux:\n  baz: 1\n  bar: ~", op: "remove", path: "qux.bar",
			want: "{foo: bar, qux: {baz: 1}}"},
		{name: "remove from an array by filter", input: "deployments:\n- name: devbackend\n- name: prodbackend", op: "remove", path: "deployments[?(@.name=='prodbackend')]",
			want: "deployments: [{name: devbackend}]"},
		{name: "remove a nested item matched by a numeric field", input: "dev:\n  ports:\n  - name: rails\n    reverseForward:\n    - port: 9200\n      remotePort: 9200", op: "remove", path: "dev.ports[?(@.name=='rails')].reverseForward[?(@.port==9200)]",
			want: "dev: {ports: [{name: rails, reverseForward: []}]}"},
		{name: "remove with no match changes nothing (DevSpace's config patches)", input: "deployments:\n- name: devbackend\n- name: prodbackend", op: "remove", path: "deployments[?(@.name=='nonexisting')]",
			want: "deployments: [{name: devbackend}, {name: prodbackend}]"},
		{name: "remove with no match, JSON pointer", input: "deployments:\n- name: devbackend", op: "remove", path: "/deployments/3",
			err: "nothing at path"},
		// DevSpace's config e2e cases (e2e/tests/config/testdata/profile-patches, profile-activation)
		{name: "e2e legacy-match: add onto the element named by name=", input: "deployments:\n- name: test\n  helm: {componentChart: true}\n- name: test2", op: "add", path: "deployments.name=test2", value: "kubectl:\n  manifests: [network-policy.yaml]",
			want: "deployments: [{name: test, helm: {componentChart: true}}, {name: test2, kubectl: {manifests: [network-policy.yaml]}}]"},
		{name: "e2e wildcard-match: add onto every element", input: "deployments:\n- name: test\n- name: test2", op: "add", path: "deployments[*]", value: "kubectl:\n  manifests: [network-policy.yaml]",
			want: "deployments: [{name: test, kubectl: {manifests: [network-policy.yaml]}}, {name: test2, kubectl: {manifests: [network-policy.yaml]}}]"},
		{name: "e2e wildcard-match-regexp: a filter with a regular expression", input: "deployments:\n- name: development1\n- name: staging1\n- name: production1", op: "add", path: "deployments[?(@.name=~/^production/)]", value: "kubectl:\n  manifests: [network-policy.yaml]",
			want: "deployments: [{name: development1}, {name: staging1}, {name: production1, kubectl: {manifests: [network-policy.yaml]}}]"},
		{name: "e2e wildcard-match-comparison: a filter on a nested field", input: "deployments:\n- name: development1\n  helm: {timeout: 1000s}\n- name: staging1\n  helm: {timeout: 2000s}\n- name: production1\n  helm: {timeout: 2000s}", op: "remove", path: `deployments[?(@.helm.timeout=="2000s")]`,
			want: "deployments: [{name: development1, helm: {timeout: 1000s}}]"},
		{name: "e2e recursive-descent: .. reaches every depth", input: "images:\n  backend: {image: john/devbackend}\n  debugger: {image: john/debugger}\ndeployments:\n- name: backend\n  helm:\n    values:\n      containers:\n      - image: john/devbackend\n      - image: john/debugger", op: "replace", path: "..[?(@.image=='john/devbackend')].image", value: "john/stagingbackend",
			want: "images: {backend: {image: john/stagingbackend}, debugger: {image: john/debugger}}\ndeployments: [{name: backend, helm: {values: {containers: [{image: john/stagingbackend}, {image: john/debugger}]}}}]"},
		{name: "e2e profile-activation: replace of a missing section adds it", input: "version: v1beta11", op: "replace", path: "deployments", value: "- name: test1",
			want: "{version: v1beta11, deployments: [{name: test1}]}"},
		{name: "a filter on a number, as DevSpace writes legacy ones", input: "ports:\n- port: 9200\n- port: 80", op: "remove", path: "ports[?(@.port=='9200' || @.port==9200)]",
			want: "ports: [{port: 80}]"},
		{name: "a leading dot", input: "foo: bar", op: "replace", path: ".foo", value: "baz",
			want: "foo: baz"},
		{name: "remove every element", input: "foo: [a, b]", op: "remove", path: "foo[*]",
			want: "foo: []"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := applyOnePatch(t, tt.input, tt.op, tt.path, tt.value)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, %v; want an error containing %q", got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(yamlValue(t, tt.want), got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
