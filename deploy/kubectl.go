package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/kube"
)

// kubectlKind deploys the manifests of deployments.*.kubectl (files,
// kustomize or inline) with server-side apply, and records each object
// it applied.
type kubectlKind struct{ d *Deployer }

// kubectlDeployments are those with a kubectl section; their records
// list the objects applied.
var kubectlDeployments = kindSpec{
	configures: func(dep *config.Deployment) bool { return dep.Kubectl != nil },
	recorded:   func(rec Record) bool { return len(rec.Objects) > 0 },
	of:         func(d *Deployer) kind { return kubectlKind{d} },
}

// objects reads deployment name's manifests and puts the images in.
func (k kubectlKind) objects(name string) ([]Manifest, []string, error) {
	d := k.d
	dep := d.Config.Deployments[name]
	if dep == nil {
		return nil, nil, fmt.Errorf("couldn't find deployment %s", name)
	}
	if dep.Kubectl == nil {
		return nil, nil, fmt.Errorf("deployment %s: set deployments.%s.kubectl or deployments.%s.helm", name, name, name)
	}
	manifests, err := k.readManifests(name, dep.Kubectl)
	if err != nil {
		return nil, nil, err
	}
	if err := patchManifests(d.Config, name, manifests); err != nil {
		return nil, nil, err
	}
	replace := dep.UpdateImageTags == nil || *dep.UpdateImageTags
	table := newImageTable(d.Images.Built())
	var fresh []string
	for _, m := range manifests {
		f, err := rewrite(m.Object, table, d.Images, replace)
		if err != nil {
			return nil, nil, fmt.Errorf("deployment %s: %s: %s/%s: %w", name, m.Where(), m.Object.GetKind(), m.Object.GetName(), err)
		}
		fresh = append(fresh, f...)
	}
	return manifests, fresh, nil
}

func (k kubectlKind) readManifests(name string, kc *config.KubectlConfig) ([]Manifest, error) {
	d := k.d
	var out []Manifest
	files, err := manifestFiles(d.Config.Dir, kc.Manifests)
	if kc.Kustomize != nil && *kc.Kustomize {
		files = nil
		out, err = kustomize(d.Config.Dir, kc.Manifests, kc.KustomizeArgs)
	}
	if err != nil {
		return nil, fmt.Errorf("deployment %s: %w", name, err)
	}
	for _, f := range files {
		path := f
		if !filepath.IsAbs(path) {
			path = filepath.Join(d.Config.Dir, f)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("deployment %s: %w", name, err)
		}
		ms, err := ParseManifests(f, data)
		if err != nil {
			return nil, fmt.Errorf("deployment %s: %w", name, err)
		}
		out = append(out, ms...)
	}
	if kc.InlineManifest != "" {
		ms, err := ParseManifests("deployments."+name+".kubectl.inlineManifest", []byte(kc.InlineManifest))
		if err != nil {
			return nil, fmt.Errorf("deployment %s: %w", name, err)
		}
		out = append(out, ms...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("deployment %s: its manifests hold no objects", name)
	}
	return out, nil
}

// deploy applies one deployment, or skips it when the same objects were
// applied last time and are all still there. Its namespace exists: Deploy
// ensured every namespace first.
func (k kubectlKind) deploy(ctx context.Context, name string, opts Options) error {
	d := k.d
	log := d.Log(name)
	manifests, fresh, err := k.objects(name)
	if err != nil {
		return err
	}
	ns := d.namespace(name) // Deploy made sure it exists
	hash, err := hashObjects(d.Client.Context, ns, manifests)
	if err != nil {
		return fmt.Errorf("deployment %s: %w", name, err)
	}
	cluster := ClusterOf(d.Client)
	old, had := d.Records.Get(cluster, ns, name)
	if had && old.Hash == hash && !opts.Force && len(fresh) == 0 && k.stillThere(ctx, old) {
		fmt.Fprintf(log, "Skipping deployment %s: nothing changed since the last deploy (--force-redeploy applies anyway)\n", name)
		return errUnchanged
	}
	applied, applyErr := d.apply(ctx, name, ns, manifests, old)
	rec := newRecord(name, cluster, ns, hash, applied, old)
	if applyErr != nil {
		// Keep what did get applied, so purge can remove it, but make the
		// next deploy apply again.
		rec.Hash = ""
	} else {
		k.prune(ctx, log, old, rec)
	}
	if err := d.Records.Put(rec); err != nil {
		return errors.Join(applyErr, fmt.Errorf("deployment %s: %w", name, err))
	}
	if applyErr != nil {
		return applyErr
	}
	fmt.Fprintf(log, "Deployed %s to namespace %s: %s\n", name, ns, summary(applied, old))
	return nil
}

// hashObjects digests what would be applied, where.
func hashObjects(context, namespace string, manifests []Manifest) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", context, namespace)
	for _, m := range manifests {
		data, err := json.Marshal(m.Object.Object) // map keys are sorted
		if err != nil {
			return "", err
		}
		h.Write(data)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// stillThere reports whether every recorded object still exists as the
// same object (an unchanged deploy must not skip what someone deleted).
func (k kubectlKind) stillThere(ctx context.Context, rec Record) bool {
	err := forEach(ctx, rec.Objects, 16, func(ctx context.Context, o ObjectRecord) error {
		obj, err := k.d.Client.Get(ctx, o.Ref)
		if err != nil || obj == nil || string(obj.GetUID()) != o.UID {
			return errors.New("changed")
		}
		k.d.seen.Store(o.UID, obj) // the wait for readiness starts from it
		return nil
	})
	return err == nil
}

func newRecord(name string, c Cluster, ns, hash string, applied []kube.Applied, old Record) Record {
	rec := Record{Name: name, Context: c.Context, Server: c.Server, Namespace: ns, Hash: hash, DeployedAt: now()}
	for _, a := range applied {
		created := a.Created
		// An object created by an earlier deploy stays ours.
		if i := slices.IndexFunc(old.Objects, func(o ObjectRecord) bool { return o.UID == a.UID }); i >= 0 {
			created = created || old.Objects[i].Created
		}
		rec.Objects = append(rec.Objects, ObjectRecord{Ref: a.Ref, Created: created, ResourceVersion: a.ResourceVersion})
	}
	return rec
}

// prune deletes what the last deploy created and this one no longer has.
func (k kubectlKind) prune(ctx context.Context, log io.Writer, old, rec Record) {
	current := map[string]bool{}
	for _, o := range rec.Objects {
		current[o.UID] = true
	}
	for _, o := range slices.Backward(old.Objects) {
		if !o.Created || current[o.UID] {
			continue
		}
		if err := k.d.Client.Delete(ctx, o.Ref, false); err != nil {
			fmt.Fprintf(log, "Could not remove %s, which is no longer in the manifests: %v\n", o.Ref, err)
			continue
		}
		fmt.Fprintf(log, "Removed %s: it is no longer in the manifests\n", o.Ref)
	}
}

func summary(applied []kube.Applied, old Record) string {
	var created, configured, unchanged int
	prev := map[string]string{}
	for _, o := range old.Objects {
		prev[o.UID] = o.ResourceVersion
	}
	for _, a := range applied {
		switch {
		case a.Created:
			created++
		case prev[a.UID] != "" && prev[a.UID] == a.ResourceVersion:
			unchanged++
		default:
			configured++
		}
	}
	parts := []string{fmt.Sprintf("%d object(s)", len(applied))}
	for label, n := range map[string]int{"created": created, "configured": configured, "unchanged": unchanged} {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, label))
		}
	}
	slices.Sort(parts[1:])
	return strings.Join(parts, ", ")
}

// clusterScoped are the built-in kinds that take no namespace, so that
// rendering (which asks no cluster) does not put one on them.
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "StorageClass": true,
	"ClusterRole": true, "ClusterRoleBinding": true, "CustomResourceDefinition": true,
	"PriorityClass": true, "IngressClass": true, "RuntimeClass": true, "CSIDriver": true,
	"MutatingWebhookConfiguration": true, "ValidatingWebhookConfiguration": true,
	"APIService": true, "ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
}

// render writes deployment name's final objects as YAML documents, each
// with a comment saying where it came from. Nothing touches a cluster.
func (k kubectlKind) render(_ context.Context, name string, w io.Writer, namespace string) error {
	manifests, _, err := k.objects(name)
	if err != nil {
		return err
	}
	ns := k.d.Config.Deployments[name].Namespace
	if ns == "" {
		ns = namespace
	}
	for _, m := range manifests {
		obj := m.Object
		if ns != "" && obj.GetNamespace() == "" && !clusterScoped[obj.GetKind()] {
			obj.SetNamespace(ns)
		}
		data, err := yaml.Marshal(obj.Object)
		if err != nil {
			return fmt.Errorf("deployment %s: %s: %w", name, m.Where(), err)
		}
		if _, err := fmt.Fprintf(w, "---\n# deployment %s, from %s\n%s", name, m.Where(), data); err != nil {
			return err
		}
	}
	return nil
}

// purge deletes the objects rec says devspace created, newest first, and
// then the record; objects replaced since are kept.
func (k kubectlKind) purge(ctx context.Context, rec Record, opts PurgeOptions) error {
	d := k.d
	log := d.Log(rec.Name)
	var errs []error
	deleted := 0
	for _, o := range slices.Backward(rec.Objects) {
		if !o.Created {
			fmt.Fprintf(log, "Kept %s: it existed before devspace applied it\n", o.Ref)
			continue
		}
		err := d.Client.Delete(ctx, o.Ref, opts.Wait)
		switch {
		case errors.Is(err, kube.ErrReplaced):
			fmt.Fprintf(log, "Kept %s: %v\n", o.Ref, err)
		case err != nil:
			errs = append(errs, fmt.Errorf("purge %s: %s: %w", rec.Name, o.Ref, err))
		default:
			deleted++
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := d.Records.Remove(rec); err != nil {
		return fmt.Errorf("purge %s: %w", rec.Name, err)
	}
	fmt.Fprintf(log, "Purged %s: %d object(s) deleted\n", rec.Name, deleted)
	return nil
}
