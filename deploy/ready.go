package deploy

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/rollout"
)

// waits says whether create_deployments waits for deployment name's
// workloads (deployments.NAME.waitReady, default true).
func (d *Deployer) waits(name string) bool {
	dep := d.Config.Deployments[name]
	return dep == nil || dep.WaitReady == nil || *dep.WaitReady
}

// WaitReady waits for the workloads the named deployments' records list
// in this cluster to be rolled out and ready (rollout.Wait), and reports
// each one's readiness as ready:deploy:NAME. A deployment never deployed
// here is an error.
func (d *Deployer) WaitReady(ctx context.Context, names []string, opts rollout.Options) ([]rollout.Result, error) {
	var ws []rollout.Workload
	cluster := ClusterOf(d.Client)
	for _, name := range names {
		ns := d.namespace(name)
		rec, ok := d.Records.Get(cluster, ns, name)
		if !ok {
			return nil, fmt.Errorf("deployment %s was not deployed to namespace %s of kube context %s: nothing to wait for", name, ns, cluster.Context)
		}
		ws = append(ws, d.workloadsOf(rec)...)
	}
	if opts.Log == nil {
		opts.Log = d.Log
	}
	results, err := rollout.Wait(ctx, d.Client, ws, opts)
	if ctx.Err() == nil {
		d.emitReadiness(ctx, names, results)
	}
	return results, err
}

// workloadsOf lists the workloads in a record, with the objects a deploy
// that found them unchanged has just read.
func (d *Deployer) workloadsOf(rec Record) []rollout.Workload {
	refs := make([]kube.Ref, 0, len(rec.Objects))
	for _, o := range rec.Objects {
		refs = append(refs, o.Ref)
	}
	if rec.Helm != nil {
		refs = append(refs, rec.Helm.Workloads...)
	}
	var ws []rollout.Workload
	for _, ref := range refs {
		if !rollout.IsWorkload(ref.APIVersion, ref.Kind) {
			continue
		}
		w := rollout.Workload{Ref: ref, Deployment: rec.Name}
		if seen, ok := d.seen.Load(ref.UID); ok && ref.UID != "" {
			w.Seen = seen.(*unstructured.Unstructured)
		}
		ws = append(ws, w)
	}
	return ws
}

// helmWorkloads are the workloads among a release's rendered manifests,
// for its record.
func helmWorkloads(manifest, ns string) []kube.Ref {
	ms, err := ParseManifests("helm release manifest", []byte(manifest))
	if err != nil {
		return nil // the release is deployed; only the wait is left out
	}
	var out []kube.Ref
	for _, m := range ms {
		o := m.Object
		if !rollout.IsWorkload(o.GetAPIVersion(), o.GetKind()) {
			continue
		}
		namespace := o.GetNamespace()
		if namespace == "" {
			namespace = ns
		}
		out = append(out, kube.Ref{APIVersion: o.GetAPIVersion(), Kind: o.GetKind(), Namespace: namespace, Name: o.GetName()})
	}
	return out
}

// WaitOptions are one wait_deployments call.
type WaitOptions struct {
	Config *config.Config
	// Names are the deployments whose workloads to wait for.
	Names []string
	Ready rollout.Options
	Services
}

// Wait waits for the workloads the named deployments' records list to be
// rolled out and ready, as create_deployments does after deploying.
func Wait(ctx context.Context, opts WaitOptions) ([]rollout.Result, error) {
	client, err := opts.Kube()
	if err != nil {
		return nil, err
	}
	d, err := opts.deployer(opts.Config, client)
	if err != nil {
		return nil, err
	}
	return d.WaitReady(ctx, opts.Names, opts.Ready)
}
