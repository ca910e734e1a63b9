package deploy

import (
	"context"
	"io"

	"github.com/devspace-engine/devspace/config"
)

// A kind is one way to deploy: kubectl manifests (kubectl.go) or a helm
// chart (helm.go). The Deployer does what all kinds share (selection,
// namespaces, concurrency, the records file); a kind plans, applies,
// renders, records and purges its own deployments. kindOf and
// recordedKind are the one place that tells kinds apart: a new kind is a
// type implementing this and a line in each.
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

// kindOf is the kind of a configured deployment; kubectl when it names
// none (which its deploy then reports).
func (d *Deployer) kindOf(dep *config.Deployment) kind {
	if dep != nil && dep.Helm != nil {
		return helmKind{d}
	}
	return kubectlKind{d}
}

// recordedKind is the kind that made a record.
func (d *Deployer) recordedKind(rec Record) kind {
	if rec.Helm != nil {
		return helmKind{d}
	}
	return kubectlKind{d}
}
