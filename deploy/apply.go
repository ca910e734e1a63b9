package deploy

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sourcegraph/conc/pool"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/kube"
)

// now is the clock of records; tests may replace it.
var now = time.Now

// applyOrder groups kinds so that what others need exists first:
// namespaces, then CRDs, then what pods mount or run as, then services,
// then the rest (workloads and custom resources).
func applyOrder(kind string) int {
	switch kind {
	case "Namespace":
		return 0
	case "CustomResourceDefinition":
		return 1
	case "ServiceAccount", "Secret", "ConfigMap", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding",
		"PersistentVolume", "PersistentVolumeClaim", "StorageClass", "ResourceQuota", "LimitRange", "PriorityClass":
		return 2
	case "Service":
		return 3
	}
	return 4
}

// applyParallel bounds the applies in flight for one deployment.
const applyParallel = 16

// apply server-side-applies the objects group by group (applyOrder), the
// objects of a group concurrently. It returns what was applied, in the
// manifests' order, even when some failed.
func (d *Deployer) apply(ctx context.Context, name, ns string, manifests []Manifest, old Record) ([]kube.Applied, error) {
	opts, err := d.applyOptions(name)
	if err != nil {
		return nil, err
	}
	results := make([]*kube.Applied, len(manifests))
	var errs []error
	var mu sync.Mutex
	for group := 0; group <= 4; group++ {
		var idx []int
		for i, m := range manifests {
			if applyOrder(m.Object.GetKind()) == group {
				idx = append(idx, i)
			}
		}
		_ = forEach(ctx, idx, applyParallel, func(ctx context.Context, i int) error {
			m := manifests[i]
			a, err := d.Client.ApplyWith(ctx, m.Object.DeepCopy(), ns, opts)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("deployment %s: %s: %s/%s: %w", name, m.Where(), m.Object.GetKind(), m.Object.GetName(), err))
				return nil
			}
			results[i] = &a
			return nil
		})
		if len(errs) > 0 {
			break // later groups may depend on what failed
		}
	}
	var out []kube.Applied
	for _, r := range results {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out, errors.Join(errs...)
}

// applyOptions maps deployment name's kubectl.applyArgs (checked when
// the config loaded) onto the apply's options.
func (d *Deployer) applyOptions(name string) (kube.ApplyOptions, error) {
	dep := d.Config.Deployments[name]
	if dep == nil || dep.Kubectl == nil {
		return kube.ApplyOptions{}, nil
	}
	a, _, err := config.ParseApplyArgs(dep.Kubectl.ApplyArgs)
	if err != nil {
		return kube.ApplyOptions{}, fmt.Errorf("deployment %s: kubectl.applyArgs: %w", name, err)
	}
	return kube.ApplyOptions{FieldManager: a.FieldManager, NoForce: a.NoForce}, nil
}

// forEach runs fn for every item, at most limit at once, and joins the
// errors. It returns when every call has returned.
func forEach[T any](ctx context.Context, items []T, limit int, fn func(context.Context, T) error) error {
	if len(items) == 0 {
		return nil
	}
	p := pool.New().WithErrors().WithContext(ctx).WithMaxGoroutines(max(1, limit))
	for _, item := range items {
		p.Go(func(ctx context.Context) error { return fn(ctx, item) })
	}
	return p.Wait()
}
