package builtins

import (
	"context"
	"errors"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/deploy"
	"github.com/devspace-engine/devspace/engine"
)

func purgeDeployments(svc *Services) *engine.Builtin {
	return &engine.Builtin{
		Name:    "purge_deployments",
		Usage:   "purge_deployments [--all | DEPLOYMENT...] [--except DEPLOYMENT]... [--wait] [--sequential]",
		Summary: "Delete what earlier deploys created, newest first; objects devspace did not create are kept.",
		New:     func() engine.Command { return &purgeDeploymentsCmd{svc: svc} },
	}
}

type purgeDeploymentsCmd struct {
	svc        *Services
	all, wait  bool
	forcePurge bool
	except     []string
}

func (p *purgeDeploymentsCmd) Flags(fs *pflag.FlagSet, c *engine.Call) {
	v, _ := c.Flag("force-purge")
	fs.BoolVar(&p.all, "all", false, "purge every deployment recorded for this kube context in its target namespace (-n, else the context's; a deployment's namespace: wins)")
	fs.StringArrayVar(&p.except, "except", nil, "with --all, keep this deployment (repeatable)")
	fs.BoolVar(&p.wait, "wait", false, "return once the deleted objects are gone")
	fs.Bool("sequential", false, "accepted for DevSpace compatibility: deployments are purged one at a time, newest first")
	fs.BoolVar(&p.forcePurge, "force-purge", cliBool(v), "accepted for DevSpace compatibility")
	fs.StringArray("set", nil, "accepted for DevSpace compatibility; purge acts on what was recorded")
	fs.StringArray("set-string", nil, "accepted for DevSpace compatibility")
	fs.StringArray("from", nil, "accepted for DevSpace compatibility")
	fs.StringArray("from-file", nil, "accepted for DevSpace compatibility")
}

func (p *purgeDeploymentsCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	if !p.all && len(args) == 0 {
		return errors.New("either specify 'purge_deployments --all' or 'purge_deployments deployment1 deployment2'")
	}
	return deploy.Remove(ctx, deploy.RemoveOptions{Config: c.Config(), All: p.all, Except: p.except, Names: args,
		PurgeOptions: deploy.PurgeOptions{Wait: p.wait}, Services: p.svc.deployServices(c, c.Stdout, "purge:")})
}
