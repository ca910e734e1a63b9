// Package replace swaps the workload of a dev pod for a dev copy with the
// dev config's changes (image, command, env, resources, patches, the
// restart helper), scaling the original to zero, and restores it: the
// record of each replacement is kept in the cluster.
package replace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/devspace-engine/devspace/dev/restart"
	"github.com/devspace-engine/devspace/kube"
)

// Labels and annotations that record a replacement in the cluster, so
// that stop_dev, purge, or the next run after a crash can undo it exactly.
const (
	// LabelReplacedBy is on a replaced workload: the project that did it.
	LabelReplacedBy = "devspace.sh/replaced-by"
	// AnnotationReplaced on a replaced workload holds a ReplaceRecord.
	AnnotationReplaced = "devspace.sh/replaced"
	// LabelDevCopy is on the dev copy and its pods: the copy's name.
	LabelDevCopy = "devspace.sh/dev-copy"
	// labelDev on a dev copy names the dev config it was made for, and
	// annotationOriginal the workload it stands in for (KIND/NAME).
	labelDev           = "devspace.sh/dev"
	annotationOriginal = "devspace.sh/original"
	// labelTemplate on the copy's pods is a hash of their template: an
	// updated copy's old pods, which still run for a while, are not
	// selected.
	labelTemplate = "devspace.sh/dev-template"
)

// Changes are what a dev config changes in one container.
type Changes struct {
	Container  string
	Image      string
	Command    []string
	Args       []string
	WorkingDir string
	Env        map[string]string
	// Resources replace the container's resources (requests, limits).
	Resources map[string]any
	// Attach gives the container stdin (and a TTY unless NoTTY), which
	// attaching to its main process needs.
	Attach, NoTTY bool
	// RestartHelper runs the container's command under the restart
	// helper, so that sync can restart the process (onUpload.restartContainer).
	RestartHelper bool
	// Persist are the container's directories kept on the dev config's
	// volume claim (persistPaths).
	Persist []PersistPath
}

// Empty reports whether the container is used unchanged.
func (c Changes) Empty() bool {
	return c.Image == "" && c.Command == nil && c.Args == nil && c.WorkingDir == "" && len(c.Env) == 0 && c.Resources == nil && !c.Attach && !c.RestartHelper && len(c.Persist) == 0
}

// PodChanges are what a dev config changes in the pod: its containers
// (the selected one first; others from `containers:`), then patches. When
// none is set, the pod is used as it is and nothing is replaced.
type PodChanges struct {
	Containers []Changes
	Patches    []Patch
	// Persistence is the claim the containers' persisted paths live on.
	Persistence Persistence
}

// Empty reports whether the pod can be used unchanged.
func (c PodChanges) Empty() bool {
	for _, ch := range c.Containers {
		if !ch.Empty() {
			return false
		}
	}
	return len(c.Patches) == 0
}

// ReplaceRecord is what a replacement changed, kept on the original.
type ReplaceRecord struct {
	Kind     string `json:"kind"`
	Replicas int64  `json:"replicas"`
	Copy     string `json:"copy"`
	Dev      string `json:"dev"`
}

var (
	deployments  = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	statefulSets = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "statefulsets"}
)

// Replace scales the workload that owns pod to zero and runs a dev copy
// of it (a Deployment named WORKLOAD-devspace) with the changes applied,
// recording how to undo it on the workload. It returns the selector of
// the copy's pods. A workload already replaced by this project keeps its
// record and gets its copy updated.
func Replace(ctx context.Context, c *kube.Client, pod kube.Pod, project, devName string, ch PodChanges) (kube.Selector, error) {
	return retryConflicts(func() (kube.Selector, error) {
		w, err := owner(ctx, c, pod)
		if err != nil {
			return kube.Selector{}, err
		}
		if w, err = originalOf(ctx, c, w, devName); err != nil {
			return kube.Selector{}, err
		}
		return replaceWorkload(ctx, c, w, pod.Container, project, devName, ch)
	})
}

// ReplaceExisting updates the dev copy of a workload that dev config
// devName of project already replaced, when sel matches the workload's pod
// template: a run that ended without stop_dev (killed, or another
// devspace dev still running) left the copy, whose pods run the devImage
// while the original has none, so no pod matches an imageSelector any
// more. It returns the copy's pod selector and the workload (KIND/NAME),
// "" when there is no such replacement.
func ReplaceExisting(ctx context.Context, c *kube.Client, sel kube.Selector, project, devName string, ch PodChanges) (kube.Selector, string, error) {
	var replaced string
	copySel, err := retryConflicts(func() (kube.Selector, error) {
		w, container, err := replacedMatching(ctx, c, sel, project, devName)
		if err != nil || w == nil {
			return kube.Selector{}, err
		}
		replaced = w.GetKind() + "/" + w.GetName()
		return replaceWorkload(ctx, c, w, container, project, devName, ch)
	})
	if err != nil {
		return kube.Selector{}, "", err
	}
	return copySel, replaced, nil
}

// retryConflicts runs replace again when a workload changed between our
// read and our patch (right after a restore its controller still writes
// its status), as kubectl's conflict retries do.
func retryConflicts(replace func() (kube.Selector, error)) (kube.Selector, error) {
	for attempt := 1; ; attempt++ {
		sel, err := replace()
		if !apierrors.IsConflict(err) || attempt == 5 {
			return sel, err
		}
	}
}

// replacedMatching finds the workload dev config devName of project
// replaced in sel's namespace whose pod template sel matches, and the
// container sel chooses in it; nil when there is none.
func replacedMatching(ctx context.Context, c *kube.Client, sel kube.Selector, project, devName string) (*unstructured.Unstructured, string, error) {
	ns := sel.Namespace
	if ns == "" {
		ns = c.Namespace
	}
	found, err := replacedBy(ctx, c, ns, project)
	if err != nil {
		return nil, "", err
	}
	for _, r := range found {
		if r.err != nil || r.rec.Dev != devName {
			continue
		}
		var tmpl corev1.PodTemplateSpec
		raw, _, _ := unstructured.NestedMap(r.w.Object, "spec", "template")
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &tmpl); err != nil {
			continue // not a template we can read: not ours to match
		}
		container, err := kube.TemplateContainer(sel, &tmpl)
		if err != nil {
			return nil, "", err
		}
		if container != "" {
			return r.w, container, nil
		}
	}
	return nil, "", nil
}

// replaceWorkload creates or updates the dev copy of w, the selected
// container first in the changes, and scales w to zero.
func replaceWorkload(ctx context.Context, c *kube.Client, w *unstructured.Unstructured, container, project, devName string, ch PodChanges) (kube.Selector, error) {
	rec, replaced, err := recordOf(w)
	if err != nil {
		return kube.Selector{}, err
	}
	if !replaced {
		replicas, _, _ := unstructured.NestedInt64(w.Object, "spec", "replicas")
		rec = ReplaceRecord{Kind: w.GetKind(), Replicas: replicas, Copy: w.GetName() + "-devspace", Dev: devName}
	}
	ch.Containers = slices.Clone(ch.Containers)
	for i := range ch.Containers {
		if ch.Containers[i].Container == "" {
			ch.Containers[i].Container = container // the one the selector chose
		}
	}
	dc, err := devCopy(w, rec.Copy, project, devName, ch)
	if err != nil {
		return kube.Selector{}, err
	}
	if ch.hasPersistence() {
		if err := ensureClaim(ctx, c, w.GetNamespace(), rec.Copy, project, devName, ch.Persistence); err != nil {
			return kube.Selector{}, err
		}
	}
	if _, err := c.Apply(ctx, dc, w.GetNamespace()); err != nil {
		return kube.Selector{}, fmt.Errorf("create the dev copy %s: %w", rec.Copy, err)
	}
	// A deploy since the replacement may have scaled the original up
	// again (its manifest's replicas): back to zero, the record kept.
	if replicas, _, _ := unstructured.NestedInt64(w.Object, "spec", "replicas"); !replaced || replicas != 0 {
		if err := scaleAway(ctx, c, w, rec, project); err != nil {
			return kube.Selector{}, err
		}
	}
	podLabels, _, _ := unstructured.NestedStringMap(dc.Object, "spec", "template", "metadata", "labels")
	current := map[string]string{LabelDevCopy: rec.Copy, labelTemplate: podLabels[labelTemplate]}
	return kube.Selector{Namespace: w.GetNamespace(), LabelSelector: current, Container: container}, nil
}

// originalOf returns the workload a dev copy stands in for, when w is
// one (its pods carry the original's labels, so a selector finds them
// too, as on a second devspace dev after a crash): this dev config's copy
// is updated, not copied again. Another dev config's copy is an error.
func originalOf(ctx context.Context, c *kube.Client, w *unstructured.Unstructured, devName string) (*unstructured.Unstructured, error) {
	orig, ok := w.GetAnnotations()[annotationOriginal]
	if !ok {
		return w, nil
	}
	if other := w.GetLabels()[labelDev]; other != devName {
		return nil, fmt.Errorf("the selected pod belongs to %s/%s, the dev copy made for dev config %s: two dev configs cannot replace the same workload (stop_dev %s first, or select another pod)", w.GetKind(), w.GetName(), other, other)
	}
	kind, name, _ := strings.Cut(orig, "/")
	apiVersion := "apps/v1"
	return getObject(ctx, c, kube.Ref{APIVersion: apiVersion, Kind: kind, Namespace: w.GetNamespace(), Name: name})
}

// owner finds the Deployment or StatefulSet that runs pod.
func owner(ctx context.Context, c *kube.Client, pod kube.Pod) (*unstructured.Unstructured, error) {
	obj, err := getObject(ctx, c, kube.Ref{APIVersion: "v1", Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name})
	if err != nil {
		return nil, err
	}
	for depth := 0; depth < 2; depth++ {
		refs := obj.GetOwnerReferences()
		i := slices.IndexFunc(refs, func(r metav1.OwnerReference) bool { return r.Controller != nil && *r.Controller })
		if i < 0 {
			break
		}
		ref := kube.Ref{APIVersion: refs[i].APIVersion, Kind: refs[i].Kind, Namespace: pod.Namespace, Name: refs[i].Name}
		if obj, err = getObject(ctx, c, ref); err != nil {
			return nil, err
		}
		if k := obj.GetKind(); k == "Deployment" || k == "StatefulSet" {
			return obj, nil
		}
	}
	return nil, fmt.Errorf("pod %s in namespace %s is not run by a Deployment or StatefulSet: devImage, command, args, workingDir, env, resources and patches need one to replace", pod.Name, pod.Namespace)
}

func getObject(ctx context.Context, c *kube.Client, ref kube.Ref) (*unstructured.Unstructured, error) {
	obj, err := c.Get(ctx, ref)
	if err == nil && obj == nil {
		err = fmt.Errorf("%s not found: %w", ref, ErrGone)
	}
	return obj, err
}

// ErrGone says the selected pod or a workload above it was deleted while
// it was looked at (a dev copy just removed by stop_dev): select again.
var ErrGone = errors.New("it was deleted meanwhile")

func recordOf(w *unstructured.Unstructured) (ReplaceRecord, bool, error) {
	raw, ok := w.GetAnnotations()[AnnotationReplaced]
	if !ok {
		return ReplaceRecord{}, false, nil
	}
	var rec ReplaceRecord
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		return rec, false, fmt.Errorf("%s/%s: annotation %s is not readable (%v): restore it by hand", w.GetKind(), w.GetName(), AnnotationReplaced, err)
	}
	return rec, true, nil
}

// devCopy is a Deployment running w's pod template with the changes, its
// pods labelled so that only they are selected.
func devCopy(w *unstructured.Unstructured, name, project, devName string, ch PodChanges) (*unstructured.Unstructured, error) {
	tmpl, ok, _ := unstructured.NestedMap(w.Object, "spec", "template")
	if !ok {
		return nil, fmt.Errorf("%s/%s has no pod template", w.GetKind(), w.GetName())
	}
	tmpl = (&unstructured.Unstructured{Object: tmpl}).DeepCopy().Object // never alias w
	labels, _, _ := unstructured.NestedStringMap(tmpl, "metadata", "labels")
	if labels == nil {
		labels = map[string]string{}
	}
	labels[LabelDevCopy] = name
	_ = unstructured.SetNestedStringMap(tmpl, labels, "metadata", "labels")
	for _, c := range ch.Containers {
		if err := applyChanges(tmpl, c); err != nil {
			return nil, fmt.Errorf("%s/%s: %w", w.GetKind(), w.GetName(), err)
		}
	}
	if ch.hasPersistence() {
		if err := addPersistence(tmpl, ch.Persistence.claimName(name), ch.Persistence.ReadOnly, ch.Containers); err != nil {
			return nil, fmt.Errorf("%s/%s: %w", w.GetKind(), w.GetName(), err)
		}
	}
	if err := applyPatches(tmpl, ch.Patches); err != nil {
		return nil, fmt.Errorf("%s/%s: %w", w.GetKind(), w.GetName(), err)
	}
	if err := labelTemplateHash(tmpl); err != nil {
		return nil, fmt.Errorf("%s/%s: %w", w.GetKind(), w.GetName(), err)
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{
			"name":        name,
			"labels":      map[string]any{LabelReplacedBy: project, labelDev: devName},
			"annotations": map[string]any{annotationOriginal: w.GetKind() + "/" + w.GetName()},
		},
		"spec": map[string]any{
			"replicas": int64(1),
			"selector": map[string]any{"matchLabels": map[string]any{LabelDevCopy: name}},
			"template": tmpl,
		},
	}}, nil
}

// labelTemplateHash labels the pods of tmpl with a hash of tmpl.
func labelTemplateHash(tmpl map[string]any) error {
	raw, err := json.Marshal(tmpl) // map keys sorted: the same template, the same hash
	if err != nil {
		return fmt.Errorf("pod template: %w", err)
	}
	sum := sha256.Sum256(raw)
	labels, _, _ := unstructured.NestedStringMap(tmpl, "metadata", "labels")
	if labels == nil {
		labels = map[string]string{} // a patch removed them
	}
	labels[labelTemplate] = hex.EncodeToString(sum[:6])
	return unstructured.SetNestedStringMap(tmpl, labels, "metadata", "labels")
}

// applyChanges edits the chosen container (the first when none is named).
func applyChanges(tmpl map[string]any, ch Changes) error {
	containers, _, _ := unstructured.NestedSlice(tmpl, "spec", "containers")
	i := 0
	if ch.Container != "" {
		i = slices.IndexFunc(containers, func(v any) bool { m, _ := v.(map[string]any); return m["name"] == ch.Container })
	}
	if i < 0 || i >= len(containers) {
		return fmt.Errorf("no container %q in the pod template", ch.Container)
	}
	m := containers[i].(map[string]any)
	if ch.Image != "" {
		m["image"] = ch.Image
	}
	if ch.Command != nil {
		m["command"] = toAny(ch.Command)
	}
	if ch.Args != nil {
		m["args"] = toAny(ch.Args)
	}
	if ch.WorkingDir != "" {
		m["workingDir"] = ch.WorkingDir
	}
	if ch.Resources != nil {
		m["resources"] = ch.Resources
	}
	if ch.Attach {
		m["stdin"], m["tty"] = true, !ch.NoTTY
	}
	if ch.RestartHelper {
		command, args := stringsOf(m["command"]), stringsOf(m["args"])
		cmd, rest, err := restart.Wrap(command, args)
		if err != nil {
			return fmt.Errorf("container %s: %w", m["name"], err)
		}
		m["command"], m["args"] = toAny(cmd), toAny(rest)
	}
	if len(ch.Env) > 0 {
		env, _ := m["env"].([]any)
		for _, name := range slices.Sorted(maps.Keys(ch.Env)) {
			env = slices.DeleteFunc(env, func(v any) bool { e, _ := v.(map[string]any); return e["name"] == name })
			env = append(env, map[string]any{"name": name, "value": ch.Env[name]})
		}
		m["env"] = env
	}
	containers[i] = m
	return unstructured.SetNestedSlice(tmpl, containers, "spec", "containers")
}

// scaleAway records rec on the workload and scales it to zero in one
// patch, which fails if the workload changed since it was read.
func scaleAway(ctx context.Context, c *kube.Client, w *unstructured.Unstructured, rec ReplaceRecord, project string) error {
	raw, _ := json.Marshal(rec)
	patch, _ := json.Marshal(map[string]any{
		"metadata": map[string]any{
			"resourceVersion": w.GetResourceVersion(),
			"labels":          map[string]any{LabelReplacedBy: project},
			"annotations":     map[string]any{AnnotationReplaced: string(raw)},
		},
		"spec": map[string]any{"replicas": 0},
	})
	_, err := c.MergePatch(ctx, refOf(w), patch)
	if err != nil {
		return fmt.Errorf("scale %s/%s to zero for the dev copy: %w", w.GetKind(), w.GetName(), err) // %w: Replace retries conflicts
	}
	return nil
}

func refOf(w *unstructured.Unstructured) kube.Ref {
	return kube.Ref{APIVersion: w.GetAPIVersion(), Kind: w.GetKind(), Namespace: w.GetNamespace(), Name: w.GetName()}
}

// Restore undoes the replacements project made in namespace (only dev
// config devName's, unless it is empty): the workloads get their replicas
// back and lose the record, the copies are deleted. It returns the
// restored workloads.
func Restore(ctx context.Context, c *kube.Client, namespace, project, devName string) ([]string, error) {
	found, err := replacedBy(ctx, c, namespace, project)
	if err != nil {
		return nil, err
	}
	var restored []string
	var errs []error
	for _, r := range found {
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		if devName != "" && r.rec.Dev != devName {
			continue
		}
		if err := restoreRetrying(ctx, c, r.w, r.rec); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := deleteClaims(ctx, c, namespace, project, r.rec.Dev); err != nil {
			errs = append(errs, err)
		}
		restored = append(restored, r.w.GetKind()+"/"+r.w.GetName())
	}
	return restored, errors.Join(errs...)
}

// replacedWorkload is a workload with its replacement record, or the
// error that the record cannot be read.
type replacedWorkload struct {
	w   *unstructured.Unstructured
	rec ReplaceRecord
	err error
}

// replacedBy lists the Deployments and StatefulSets project replaced in
// namespace.
func replacedBy(ctx context.Context, c *kube.Client, namespace, project string) ([]replacedWorkload, error) {
	var found []replacedWorkload
	for _, gvr := range []schema.GroupVersionResource{deployments, statefulSets} {
		list, err := c.Dynamic().Resource(gvr).Namespace(namespace).List(ctx, metav1.ListOptions{LabelSelector: LabelReplacedBy + "=" + project})
		if err != nil {
			if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
				continue
			}
			return found, fmt.Errorf("find replaced workloads in namespace %s: %w", namespace, err)
		}
		for i := range list.Items {
			w := &list.Items[i]
			rec, ok, err := recordOf(w)
			if ok || err != nil {
				found = append(found, replacedWorkload{w: w, rec: rec, err: err})
			}
		}
	}
	return found, nil
}

// restoreRetrying restores w, reading it again when its controller
// changed it since it was listed (right after a replacement it still
// writes the scaled-down status).
func restoreRetrying(ctx context.Context, c *kube.Client, w *unstructured.Unstructured, rec ReplaceRecord) error {
	for attempt := 1; ; attempt++ {
		err := restoreOne(ctx, c, w, rec)
		if !apierrors.IsConflict(err) || attempt == 5 {
			return err
		}
		if w, err = getObject(ctx, c, refOf(w)); err != nil {
			return err
		}
	}
}

func restoreOne(ctx context.Context, c *kube.Client, w *unstructured.Unstructured, rec ReplaceRecord) error {
	patch, _ := json.Marshal(map[string]any{
		"metadata": map[string]any{
			"resourceVersion": w.GetResourceVersion(),
			"labels":          map[string]any{LabelReplacedBy: nil},
			"annotations":     map[string]any{AnnotationReplaced: nil},
		},
		"spec": map[string]any{"replicas": rec.Replicas},
	})
	if _, err := c.MergePatch(ctx, refOf(w), patch); err != nil {
		return fmt.Errorf("restore %s/%s: %w", w.GetKind(), w.GetName(), err)
	}
	copyRef := kube.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: w.GetNamespace(), Name: rec.Copy}
	if err := c.Delete(ctx, copyRef, false); err != nil {
		return fmt.Errorf("delete the dev copy %s: %w", rec.Copy, err)
	}
	return nil
}

// stringsOf reads a []any of strings from an unstructured object.
func stringsOf(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, item := range list {
		if s, ok := item.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
