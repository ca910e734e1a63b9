package replace

import (
	"encoding/json"
	"strings"
	"testing"
)

func podTemplate(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	src := `{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"web:1"},{"name":"side","image":"side:1","env":[{"name":"A","value":"1"}]}]}}`
	if err := json.Unmarshal([]byte(src), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestApplyPatches(t *testing.T) {
	pod := podTemplate(t)
	err := applyPatches(pod, []Patch{
		{Op: "replace", Path: "spec.containers[0].image", Value: "web:dev"},
		{Op: "add", Path: "/spec/containers/1/env/-", Value: map[string]any{"name": "B", "value": "2"}},
		{Op: "add", Path: "spec.containers[name=side].securityContext.runAsUser", Value: 0},
		{Op: "remove", Path: "metadata.labels.app"},
		{Op: "add", Path: "spec.volumes", Value: []any{map[string]any{"name": "cache", "emptyDir": map[string]any{}}}},
		{Op: "remove", Path: "spec.containers[name=side].env[0]"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(pod)
	want := `{"metadata":{"labels":{}},"spec":{"containers":[{"image":"web:dev","name":"web"},{"env":[{"name":"B","value":"2"}],"image":"side:1","name":"side","securityContext":{"runAsUser":0}}],"volumes":[{"emptyDir":{},"name":"cache"}]}}`
	if string(got) != want {
		t.Errorf("patched pod:\n got %s\nwant %s", got, want)
	}
}

func TestApplyPatchesErrors(t *testing.T) {
	for _, tt := range []struct {
		patch Patch
		want  string
	}{
		{Patch{Op: "replace", Path: "spec.hostname", Value: "x"}, "patches[0] (replace spec.hostname): hostname does not exist"},
		{Patch{Op: "replace", Path: "spec.containers[name=nope].image", Value: "x"}, "containers has no item with name=nope"},
		{Patch{Op: "replace", Path: "spec.containers[7].image", Value: "x"}, "containers has no item 7 (it has 2)"},
		{Patch{Op: "move", Path: "spec.x"}, `unknown op "move"`},
		{Patch{Op: "add", Path: "spec.containers[0"}, "unbalanced"},
		{Patch{Op: "remove", Path: "/"}, "names the whole pod"},
	} {
		err := applyPatches(podTemplate(t), []Patch{tt.patch})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: got %v, want %q", tt.patch, err, tt.want)
		}
	}
}
