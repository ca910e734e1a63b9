package deploy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/rollout"
)

// Status is where one deployment of the config stands in the namespace a
// deploy would use, for `devspace list deployments`.
type Status struct {
	Name, Namespace string
	// Deployed is false when no record of it exists in this cluster and
	// namespace; the other fields are then empty.
	Deployed   bool
	DeployedAt time.Time
	// Revision is the Helm release's revision; 0 for kubectl deployments.
	Revision int
	Objects  int
	// Ready is true when every workload it recorded is rolled out and
	// ready; otherwise Reason says why not (the readiness check's words).
	Ready  bool
	Reason string
}

// StatusOptions are one listing of the config's deployments.
type StatusOptions struct {
	Config *config.Config
	// Check bounds how long each workload is looked at: one that is
	// neither ready nor failing by then is listed as not ready yet.
	Check time.Duration
	Services
}

// Statuses lists every deployment of the config, by name, with its
// record and the readiness of its workloads (rollout.Wait, bounded by
// Check, so that a failing workload shows the same reason a deploy gives).
func Statuses(ctx context.Context, opts StatusOptions) ([]Status, error) {
	client, err := opts.Kube()
	if err != nil {
		return nil, err
	}
	d, err := opts.deployer(opts.Config, client)
	if err != nil {
		return nil, err
	}
	cluster := ClusterOf(client)
	var out []Status
	for _, name := range slices.Sorted(maps.Keys(opts.Config.Deployments)) {
		st := Status{Name: name, Namespace: d.namespace(name)}
		rec, ok := d.Records.Get(cluster, st.Namespace, name)
		if ok {
			st.Deployed, st.DeployedAt, st.Objects = true, rec.DeployedAt, len(rec.Objects)
			if rec.Helm != nil {
				st.Revision = rec.Helm.Revision
			}
			st.Ready, st.Reason, err = d.readiness(ctx, rec, opts.Check)
			if err != nil {
				return nil, fmt.Errorf("deployment %s: %w", name, err)
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// readiness checks each workload of rec on its own, so that one failing
// does not cut the others' checks short; reasons are joined.
func (d *Deployer) readiness(ctx context.Context, rec Record, check time.Duration) (bool, string, error) {
	var reasons []string
	for _, w := range d.workloadsOf(rec) {
		results, err := rollout.Wait(ctx, d.Client, []rollout.Workload{w}, rollout.Options{Timeout: check, LogLines: 1})
		if ctx.Err() != nil {
			return false, "", ctx.Err()
		}
		for _, r := range results {
			if r.Ready {
				continue
			}
			reason := "not ready"
			if r.Failure != nil {
				f := *r.Failure
				f.Logs = "" // one line per deployment in a listing
				reason = f.String()
			} else if err != nil {
				reason = err.Error()
			}
			reasons = append(reasons, w.Kind+"/"+w.Name+": "+reason)
		}
	}
	return len(reasons) == 0, strings.Join(reasons, "; "), nil
}
