package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/rollout"
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
	// Events receives the deploy, render and purge events, for hooks;
	// nil emits none.
	Events engine.Events

	seen sync.Map // object UID → the object an unchanged deploy read
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
	// Ready, when set, waits for the deployments' workloads to be rolled
	// out and ready (those with waitReady: false aside); sequential
	// deploys wait for each before the next.
	Ready *rollout.Options
}

// Deploy deploys the named deployments, concurrently unless
// opts.Sequential or rendering. Every deployment is tried; the errors of
// those that failed are joined.
func (d *Deployer) Deploy(ctx context.Context, names []string, opts Options) error {
	phase := "deploy"
	if opts.Render != nil {
		phase = "render"
	}
	if err := d.emit(ctx, "before:"+phase, nil); err != nil {
		return err
	}
	if err := d.deployAll(ctx, names, opts); err != nil {
		return err
	}
	return d.emit(ctx, "after:"+phase, nil)
}

func (d *Deployer) deployAll(ctx context.Context, names []string, opts Options) error {
	if opts.Render != nil {
		for _, name := range names {
			err := d.withEvents(ctx, "render", name, func() error {
				return d.kindOf(d.Config.Deployments[name]).render(ctx, name, opts.Render, opts.Namespace)
			})
			if err != nil {
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
			if err := d.waitReady(ctx, []string{name}, opts); err != nil {
				return err
			}
		}
		return nil
	}
	err := forEach(ctx, names, len(names), func(ctx context.Context, name string) error {
		return d.deployOne(ctx, name, opts)
	})
	if err != nil {
		return err
	}
	return d.waitReady(ctx, names, opts)
}

// waitReady waits for the workloads of those of names that wait, when
// opts ask for it.
func (d *Deployer) waitReady(ctx context.Context, names []string, opts Options) error {
	names = slices.DeleteFunc(slices.Clone(names), func(name string) bool { return !d.waits(name) })
	if opts.Ready == nil || len(names) == 0 {
		return nil
	}
	_, err := d.WaitReady(ctx, names, *opts.Ready)
	return err
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

// deployOne deploys one deployment with its kind.
func (d *Deployer) deployOne(ctx context.Context, name string, opts Options) error {
	return d.withEvents(ctx, "deploy", name, func() error {
		return d.kindOf(d.Config.Deployments[name]).deploy(ctx, name, opts)
	})
}
