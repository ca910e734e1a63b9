package deploy

import (
	"context"
	"errors"
	"slices"
)

// PurgeOptions change how Purge works.
type PurgeOptions struct {
	// Wait returns only once the deleted objects are gone.
	Wait bool
}

// Purge removes what the named deployments (all of Targeted when names is
// nil) created in their target namespaces, newest deployment first and
// each one's objects in reverse apply order. Objects that existed before
// devspace applied them, or that were replaced since, are left alone, and
// so are the records of other namespaces and clusters.
func (d *Deployer) Purge(ctx context.Context, names []string, opts PurgeOptions) error {
	recs := d.Targeted()
	if names != nil {
		recs = slices.DeleteFunc(recs, func(r Record) bool { return !slices.Contains(names, r.Name) })
	}
	var errs []error
	for _, rec := range slices.Backward(recs) {
		err := d.withEvents(ctx, "purge", rec.Name, func() error {
			return d.recordedKind(rec).purge(ctx, rec, opts)
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Targeted lists the records a deploy through this client would act on:
// those of its cluster in the namespace each deployment goes to now (see
// namespace). Deploys to other namespaces, say a colleague's or a
// preview's, have records of their own that this one never touches.
func (d *Deployer) Targeted() []Record {
	var out []Record
	for _, rec := range d.Records.In(ClusterOf(d.Client)) {
		if rec.Namespace == d.namespace(rec.Name) {
			out = append(out, rec)
		}
	}
	return out
}
