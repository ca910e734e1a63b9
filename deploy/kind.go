package deploy

import (
	"context"
	"io"

	"github.com/devspace-engine/devspace/config"
)

// A kind is one way to deploy: kubectl manifests (kubectl.go) or a helm
// chart (helm.go). The Deployer does what all kinds share (selection,
// namespaces, concurrency, the records file); a kind plans, applies,
// renders, records and purges its own deployments. A new kind is a type
// implementing this, its kindSpec, and one line in kinds.
type kind interface {
	// deploy plans deployment name, skips it when nothing changed since
	// its record, else applies it and records what it made.
	deploy(ctx context.Context, name string, opts Options) error
	// render writes the final objects of deployment name to w, with
	// namespace on those that name none; it changes nothing in a cluster.
	render(ctx context.Context, name string, w io.Writer, namespace string) error
	// purge removes what rec recorded, and then the record.
	purge(ctx context.Context, rec Record, opts PurgeOptions) error
}

// kinds are the ways to deploy, in the order they claim a deployment or
// a record: the first that recognises it deploys or purges it.
var kinds = []kindSpec{helmDeployments, kubectlDeployments}

// defaultKind takes what no kind recognises: kubectl, whose deploy reports
// a deployment that names no kind, and whose purge removes a record's
// objects (none, for a record of a deploy that made nothing).
var defaultKind = kubectlDeployments

// kindSpec is how a kind recognises its deployments and its records.
type kindSpec struct {
	// configures says whether a deployment's config is of this kind.
	configures func(dep *config.Deployment) bool
	// recorded says whether this kind made a record.
	recorded func(rec Record) bool
	// of is the kind working for a Deployer.
	of func(d *Deployer) kind
}

// kindOf is the kind of a configured deployment.
func (d *Deployer) kindOf(dep *config.Deployment) kind {
	if dep == nil {
		dep = &config.Deployment{}
	}
	for _, k := range kinds {
		if k.configures(dep) {
			return k.of(d)
		}
	}
	return defaultKind.of(d)
}

// recordedKind is the kind that made a record.
func (d *Deployer) recordedKind(rec Record) kind {
	for _, k := range kinds {
		if k.recorded(rec) {
			return k.of(d)
		}
	}
	return defaultKind.of(d)
}
