package deploy

import (
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kjson "k8s.io/apimachinery/pkg/util/json"

	"github.com/devspace-engine/devspace/config"
)

// patchManifests applies deployment name's kubectl.patches to its
// manifests, in order. A patch whose target is no manifest, or whose path
// reaches nothing in a targeted object, is an error at the patch.
func patchManifests(c *config.Config, name string, manifests []Manifest) error {
	for i, kp := range c.Deployments[name].Kubectl.Patches {
		at := fmt.Sprintf("deployments.%s.kubectl.patches[%d]", name, i)
		p, err := config.ParseObjectPatch(kp)
		if err != nil {
			return c.ErrorAt(at, "%v", err)
		}
		if p.Value, err = asJSONValue(p.Value); err != nil {
			return c.ErrorAt(at+".value", "patch value: %v", err)
		}
		matched := 0
		for _, m := range manifests {
			if !targets(kp.Target, m.Object) {
				continue
			}
			matched++
			if p.Apply(m.Object.Object) == 0 {
				return c.ErrorAt(at+".path", "deployment %s: patch path %q reaches nothing to %s in %s %s (%s)",
					name, p.Path, p.Op, m.Object.GetKind(), m.Object.GetName(), m.Where())
			}
		}
		if matched == 0 {
			return c.ErrorAt(at+".target", "deployment %s: no manifest is %s: check the target's apiVersion, kind and name", name, describeTarget(kp.Target))
		}
	}
	return nil
}

// targets reports whether obj is what t selects; apiVersion and kind
// narrow the choice when set.
func targets(t config.KubectlPatchTarget, obj *unstructured.Unstructured) bool {
	return obj.GetName() == t.Name &&
		(t.Kind == "" || t.Kind == obj.GetKind()) &&
		(t.APIVersion == "" || t.APIVersion == obj.GetAPIVersion())
}

func describeTarget(t config.KubectlPatchTarget) string {
	var parts []string
	if t.APIVersion != "" {
		parts = append(parts, "apiVersion "+t.APIVersion)
	}
	if t.Kind != "" {
		parts = append(parts, "kind "+t.Kind)
	}
	return strings.Join(append(parts, "name "+t.Name), ", ")
}

// asJSONValue turns a value decoded from devspace.yaml into the types an
// unstructured object holds (int64, float64, map[string]any, []any).
func asJSONValue(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := kjson.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return out, nil
}
