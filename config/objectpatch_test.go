package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestObjectPatchApply(t *testing.T) {
	obj := func() map[string]any {
		return map[string]any{
			"spec": map[string]any{
				"ports": []any{
					map[string]any{"name": "http", "port": int64(80)},
					map[string]any{"name": "grpc", "port": int64(90)},
				},
			},
		}
	}
	for _, tc := range []struct {
		op, path string
		value    any
		hits     int
		want     string
	}{
		{"replace", "spec.ports[name=grpc].port", int64(91), 1, "map[spec:map[ports:[map[name:http port:80] map[name:grpc port:91]]]]"},
		{"replace", "spec.ports.*.port", int64(1), 2, "map[spec:map[ports:[map[name:http port:1] map[name:grpc port:1]]]]"},
		{"add", "/spec/ports/-", "x", 1, "map[spec:map[ports:[map[name:http port:80] map[name:grpc port:90] x]]]"},
		{"add", "/spec/ports/0", "x", 1, "map[spec:map[ports:[x map[name:http port:80] map[name:grpc port:90]]]]"},
		{"remove", "/spec/ports/0", nil, 1, "map[spec:map[ports:[map[name:grpc port:90]]]]"},
		{"remove", "spec.ports[name=http]", nil, 1, "map[spec:map[ports:[map[name:grpc port:90]]]]"},
		{"replace", "spec..port", int64(7), 2, "map[spec:map[ports:[map[name:http port:7] map[name:grpc port:7]]]]"},
		{"add", "metadata.labels.a", "b", 1, "map[metadata:map[labels:map[a:b]] spec:map[ports:[map[name:http port:80] map[name:grpc port:90]]]]"},
		{"replace", "spec.missing", "b", 0, "map[spec:map[ports:[map[name:http port:80] map[name:grpc port:90]]]]"},
		{"remove", "/spec/ports/5", nil, 0, "map[spec:map[ports:[map[name:http port:80] map[name:grpc port:90]]]]"},
		{"replace", "/spec/ports/2", "x", 0, "map[spec:map[ports:[map[name:http port:80] map[name:grpc port:90]]]]"},
	} {
		p, err := ParseObjectPatch(KubectlPatch{Op: tc.op, Path: tc.path, Value: tc.value})
		if err != nil {
			t.Fatalf("%s %s: %v", tc.op, tc.path, err)
		}
		o := obj()
		hits := p.Apply(o)
		if got := fmt.Sprint(o); hits != tc.hits || got != tc.want {
			t.Errorf("%s %s: %d hits, %s\nwant %d hits, %s", tc.op, tc.path, hits, got, tc.hits, tc.want)
		}
	}
}

// A value put in two places is two copies: editing one leaves the other.
func TestObjectPatchCopiesValue(t *testing.T) {
	p, _ := ParseObjectPatch(KubectlPatch{Op: "replace", Path: "a.*", Value: map[string]any{"k": "v"}})
	o := map[string]any{"a": map[string]any{"x": 1, "y": 2}}
	p.Apply(o)
	a := o["a"].(map[string]any)
	a["x"].(map[string]any)["k"] = "changed"
	if !reflect.DeepEqual(a["y"], map[string]any{"k": "v"}) {
		t.Errorf("the second place changed too: %v", a["y"])
	}
}

func TestKubectlPatchRefusedAtLoad(t *testing.T) {
	head := "version: v2beta1\nname: p\ndeployments:\n  web:\n    kubectl:\n      manifests: [m.yaml]\n      patches:\n"
	for patch, want := range map[string]string{
		"      - op: replace\n        path: spec.replicas\n        value: 2\n":          "devspace.yaml:8:9: patch without a target name",
		"      - target: {name: web}\n        op: move\n        path: spec.replicas\n":  `devspace.yaml:8:9: unknown patch op "move"`,
		"      - target: {name: web}\n        op: add\n        path: spec.replicas\n":   "devspace.yaml:8:9: op add needs a `value:`",
		"      - target: {name: web}\n        op: remove\n        path: spec.x[?bad]\n": "devspace.yaml:8:9: invalid patch path",
		"      - target: {name: web}\n        op: remove\n        path: /\n":            "the whole object",
	} {
		_, err := Parse("/p/devspace.yaml", []byte(head+patch), LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to contain %q", patch, err, want)
		}
	}
}
