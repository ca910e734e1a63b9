package replace

import (
	"context"
	"fmt"
	"path"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/devspace-engine/devspace/kube"
)

// PersistPath is one dev.*.persistPaths entry: a directory of the
// container kept on the dev config's volume claim, so that it survives
// the pod's restarts (DevSpace v6's persistent paths).
type PersistPath struct {
	// Path is the directory in the container.
	Path string
	// VolumePath is where on the volume it lives (default: Path without
	// its leading slash).
	VolumePath string
	ReadOnly   bool
	// SkipPopulate leaves a new volume directory empty instead of seeding
	// it with the image's content at Path.
	SkipPopulate bool
}

// subPath is where on the volume the path is kept.
func (p PersistPath) subPath() string {
	if p.VolumePath != "" {
		return strings.Trim(path.Clean(p.VolumePath), "/")
	}
	return strings.Trim(path.Clean(p.Path), "/")
}

// Persistence is dev.*.persistenceOptions: the volume claim the persisted
// paths live on.
type Persistence struct {
	// Name of the claim (default: the dev copy's name). A claim of that
	// name that exists already is used as it is and never deleted.
	Name             string
	Size             string // default 10Gi, as in DevSpace
	StorageClassName string
	AccessModes      []string // default ReadWriteOnce
	ReadOnly         bool
}

const (
	persistVolume = "devspace-persistence"
	// persistMount is where the populate init container sees the whole
	// volume.
	persistMount = "/devspace-persistence"
	// labelCreated marks a claim devspace created (and so deletes).
	labelCreated = "devspace.sh/persistence"
)

var persistentVolumeClaims = schema.GroupVersionResource{Version: "v1", Resource: "persistentvolumeclaims"}

// hasPersistence reports whether any container keeps paths.
func (ch PodChanges) hasPersistence() bool {
	for _, c := range ch.Containers {
		if len(c.Persist) > 0 {
			return true
		}
	}
	return false
}

// claimName is the claim of a dev copy named copyName.
func (p Persistence) claimName(copyName string) string {
	if p.Name != "" {
		return p.Name
	}
	return copyName
}

// ensureClaim creates the volume claim unless it exists.
func ensureClaim(ctx context.Context, c *kube.Client, ns, copyName, project, devName string, p Persistence) error {
	name := p.claimName(copyName)
	existing, err := c.Get(ctx, kube.Ref{APIVersion: "v1", Kind: "PersistentVolumeClaim", Namespace: ns, Name: name})
	if err != nil {
		return fmt.Errorf("look up the volume claim %s for persistPaths: %w", name, err)
	}
	if existing != nil {
		return nil
	}
	size := p.Size
	if size == "" {
		size = "10Gi"
	}
	modes := []any{}
	for _, m := range p.AccessModes {
		modes = append(modes, m)
	}
	if len(modes) == 0 {
		modes = []any{"ReadWriteOnce"}
	}
	spec := map[string]any{"accessModes": modes, "resources": map[string]any{"requests": map[string]any{"storage": size}}}
	if p.StorageClassName != "" {
		spec["storageClassName"] = p.StorageClassName
	}
	claim := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "PersistentVolumeClaim",
		"metadata": map[string]any{"name": name,
			"labels": map[string]any{LabelReplacedBy: project, labelDev: devName, labelCreated: "true"}},
		"spec": spec,
	}}
	if _, err := c.Apply(ctx, claim, ns); err != nil {
		return fmt.Errorf("create the volume claim %s for persistPaths: %w", name, err)
	}
	return nil
}

// deleteClaims deletes the claims devspace created for project's dev
// config devName in namespace.
func deleteClaims(ctx context.Context, c *kube.Client, ns, project, devName string) error {
	sel := fmt.Sprintf("%s=%s,%s=%s,%s=true", LabelReplacedBy, project, labelDev, devName, labelCreated)
	list, err := c.Dynamic().Resource(persistentVolumeClaims).Namespace(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return fmt.Errorf("find the volume claims of dev %s: %w", devName, err)
	}
	for _, pvc := range list.Items {
		ref := kube.Ref{APIVersion: "v1", Kind: "PersistentVolumeClaim", Namespace: ns, Name: pvc.GetName()}
		if err := c.Delete(ctx, ref, false); err != nil {
			return fmt.Errorf("delete the volume claim %s: %w", pvc.GetName(), err)
		}
	}
	return nil
}

// addPersistence mounts the claim at each persisted path of the
// containers of tmpl, and adds an init container per container that
// seeds each new volume directory with the image's content there.
func addPersistence(tmpl map[string]any, claim string, readOnly bool, chs []Changes) error {
	volumes, _, _ := unstructured.NestedSlice(tmpl, "spec", "volumes")
	volumes = append(volumes, map[string]any{"name": persistVolume,
		"persistentVolumeClaim": map[string]any{"claimName": claim, "readOnly": readOnly}})
	if err := unstructured.SetNestedSlice(tmpl, volumes, "spec", "volumes"); err != nil {
		return err
	}
	containers, _, _ := unstructured.NestedSlice(tmpl, "spec", "containers")
	inits, _, _ := unstructured.NestedSlice(tmpl, "spec", "initContainers")
	for _, ch := range chs {
		if len(ch.Persist) == 0 {
			continue
		}
		m, err := containerNamed(containers, ch.Container)
		if err != nil {
			return fmt.Errorf("persistPaths: %w", err)
		}
		mounts, _ := m["volumeMounts"].([]any)
		var script []string
		for _, p := range ch.Persist {
			mounts = append(mounts, map[string]any{"name": persistVolume, "mountPath": p.Path, "subPath": p.subPath(), "readOnly": p.ReadOnly || readOnly})
			if !p.SkipPopulate {
				script = append(script, populateScript(p))
			}
		}
		m["volumeMounts"] = mounts
		if len(script) > 0 && !readOnly {
			inits = append(inits, map[string]any{
				"name": "devspace-populate-" + fmt.Sprint(m["name"]), "image": m["image"],
				"command":      []any{"sh", "-c", strings.Join(script, "\n")},
				"volumeMounts": []any{map[string]any{"name": persistVolume, "mountPath": persistMount}},
			})
		}
	}
	if err := unstructured.SetNestedSlice(tmpl, containers, "spec", "containers"); err != nil {
		return err
	}
	if len(inits) == 0 {
		return nil
	}
	return unstructured.SetNestedSlice(tmpl, inits, "spec", "initContainers")
}

// populateScript copies the image's content at p.Path onto the volume
// the first time only: a marker beside the directory says it was done,
// so that what the user changed later is never overwritten.
func populateScript(p PersistPath) string {
	dst := persistMount + "/" + p.subPath()
	marker := persistMount + "/.devspace-populated-" + strings.ReplaceAll(p.subPath(), "/", "-")
	return fmt.Sprintf(`if [ ! -e '%[1]s' ]; then mkdir -p '%[2]s' && if [ -d '%[3]s' ]; then cp -a '%[3]s'/. '%[2]s'/; fi && touch '%[1]s'; fi`, marker, dst, p.Path)
}

func containerNamed(containers []any, name string) (map[string]any, error) {
	for _, v := range containers {
		if m, ok := v.(map[string]any); ok && (name == "" || m["name"] == name) {
			return m, nil
		}
	}
	return nil, fmt.Errorf("no container %q in the pod template", name)
}
