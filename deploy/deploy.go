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

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/kube"
)

// Deployer deploys the `deployments:` of one config to one cluster.
type Deployer struct {
	Config *config.Config
	// Client is the cluster; it may be nil when only rendering.
	Client  *kube.Client
	Images  Images
	Records *Records
	// Helm runs helm deployments; nil means they are refused.
	Helm HelmRunner
	// Log returns where deployment name's progress goes.
	Log func(name string) io.Writer
}

// Options change how Deploy works.
type Options struct {
	// Force applies even when nothing changed since the last deploy.
	Force bool
	// Sequential deploys one at a time, in the order given.
	Sequential bool
	// Render, when set, receives the final manifests instead of the
	// cluster: nothing is applied or recorded.
	Render io.Writer
	// Namespace is put on rendered namespaced objects that have none and
	// whose deployment names none (-n; rendering asks no cluster for its
	// default).
	Namespace string
}

// Deploy deploys the named deployments, concurrently unless
// opts.Sequential or rendering. Every deployment is tried; the errors of
// those that failed are joined.
func (d *Deployer) Deploy(ctx context.Context, names []string, opts Options) error {
	if opts.Render != nil {
		for _, name := range names {
			if err := d.render(ctx, name, opts.Render, opts.Namespace); err != nil {
				return err
			}
		}
		return nil
	}
	if d.Client == nil {
		return errors.New("no cluster to deploy to")
	}
	// Namespaces first, one at a time: an unreachable cluster or a
	// forbidden namespace is then reported once, not by every deployment.
	for _, name := range names {
		if d.Config.Deployments[name] == nil {
			return fmt.Errorf("couldn't find deployment %s", name)
		}
		if err := d.Client.EnsureNamespace(ctx, d.namespace(name)); err != nil {
			var ue *kube.UnreachableError
			if errors.As(err, &ue) {
				return err
			}
			return fmt.Errorf("deployment %s: %w", name, err)
		}
	}
	if opts.Sequential {
		for _, name := range names {
			if err := d.deployOne(ctx, name, opts); err != nil {
				return err
			}
		}
		return nil
	}
	return forEach(ctx, names, len(names), func(ctx context.Context, name string) error {
		return d.deployOne(ctx, name, opts)
	})
}

// objects reads deployment name's manifests and puts the images in.
func (d *Deployer) objects(name string) ([]Manifest, []string, error) {
	dep := d.Config.Deployments[name]
	if dep == nil {
		return nil, nil, fmt.Errorf("couldn't find deployment %s", name)
	}
	switch {
	case dep.Kubectl == nil:
		return nil, nil, fmt.Errorf("deployment %s: set deployments.%s.kubectl or deployments.%s.helm", name, name, name)
	}
	k := dep.Kubectl
	if len(k.Patches) > 0 {
		return nil, nil, fmt.Errorf("deployment %s: kubectl.patches are not available in this version yet", name)
	}
	manifests, err := d.readManifests(name, k)
	if err != nil {
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

func (d *Deployer) readManifests(name string, k *config.KubectlConfig) ([]Manifest, error) {
	var out []Manifest
	files, err := manifestFiles(d.Config.Dir, k.Manifests)
	if k.Kustomize != nil && *k.Kustomize {
		files = nil
		out, err = kustomize(d.Config.Dir, k.Manifests, k.KustomizeArgs)
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
	if k.InlineManifest != "" {
		ms, err := ParseManifests("deployments."+name+".kubectl.inlineManifest", []byte(k.InlineManifest))
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

// namespace is where deployment name goes, and so the namespace of its
// record: its own namespace:, else the client's (-n, else the kube
// context's). A deployment no longer in the config goes by the client's.
func (d *Deployer) namespace(name string) string {
	if dep := d.Config.Deployments[name]; dep != nil && dep.Namespace != "" {
		return dep.Namespace
	}
	if d.Client != nil {
		return d.Client.Namespace
	}
	return ""
}

// deployOne applies one deployment, or skips it when the same objects
// were applied last time and are all still there. Its namespace exists:
// Deploy ensured every namespace first.
func (d *Deployer) deployOne(ctx context.Context, name string, opts Options) error {
	if d.Config.Deployments[name].Helm != nil {
		return d.deployHelm(ctx, name, opts)
	}
	log := d.Log(name)
	manifests, fresh, err := d.objects(name)
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
	if had && old.Hash == hash && !opts.Force && len(fresh) == 0 && d.stillThere(ctx, old) {
		fmt.Fprintf(log, "Skipping deployment %s: nothing changed since the last deploy (--force-redeploy applies anyway)\n", name)
		return nil
	}
	applied, applyErr := d.apply(ctx, name, ns, manifests, old)
	rec := newRecord(name, cluster, ns, hash, applied, old)
	if applyErr != nil {
		// Keep what did get applied, so purge can remove it, but make the
		// next deploy apply again.
		rec.Hash = ""
	} else {
		d.prune(ctx, log, old, rec)
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
func (d *Deployer) stillThere(ctx context.Context, rec Record) bool {
	err := forEach(ctx, rec.Objects, 16, func(ctx context.Context, o ObjectRecord) error {
		obj, err := d.Client.Get(ctx, o.Ref)
		if err != nil || obj == nil || string(obj.GetUID()) != o.UID {
			return errors.New("changed")
		}
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
func (d *Deployer) prune(ctx context.Context, log io.Writer, old, rec Record) {
	current := map[string]bool{}
	for _, o := range rec.Objects {
		current[o.UID] = true
	}
	for _, o := range slices.Backward(old.Objects) {
		if !o.Created || current[o.UID] {
			continue
		}
		if err := d.Client.Delete(ctx, o.Ref, false); err != nil {
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
