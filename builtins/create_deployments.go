package builtins

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/deploy"
	"github.com/devspace-engine/devspace/engine"
)

func createDeployments(svc *Services) *engine.Builtin {
	return &engine.Builtin{
		Name:    "create_deployments",
		Usage:   "create_deployments [--all | DEPLOYMENT...] [--except DEPLOYMENT]... [flags]",
		Summary: "Deploy manifests to Kubernetes with server-side apply, the built images put in.",
		New:     func() engine.Command { return &createDeploymentsCmd{svc: svc} },
	}
}

type createDeploymentsCmd struct {
	svc                            *Services
	all, seq, force, skip, render  bool
	wait                           bool
	timeout                        time.Duration
	except                         []string
	set, setString, from, fromFile []string
}

// Flags default to the CLI's run flags (--render, -d, --skip-deploy).
func (d *createDeploymentsCmd) Flags(fs *pflag.FlagSet, c *engine.Call) {
	cli := func(name string) bool {
		v, _ := c.Flag(name)
		return cliBool(v)
	}
	fs.BoolVar(&d.all, "all", false, "deploy every deployment in deployments:")
	fs.StringArrayVar(&d.except, "except", nil, "with --all, leave out this deployment (repeatable)")
	fs.BoolVar(&d.seq, "sequential", false, "deploy one at a time, in the order given")
	fs.BoolVar(&d.force, "force-redeploy", cli("force-deploy"), "apply even if nothing changed since the last deploy")
	fs.BoolVar(&d.skip, "skip-deploy", cli("skip-deploy"), "do nothing")
	fs.BoolVar(&d.render, "render", cli("render"), "print the final manifests instead of deploying; touches no cluster")
	fs.BoolVar(&d.wait, "wait", true, "wait for the workloads to be rolled out and ready (never with --render; deployments.*.waitReady: false opts one out)")
	fs.DurationVar(&d.timeout, "timeout", defaultReadyTimeout, "how long --wait waits at most (0: no limit)")
	fs.StringArrayVar(&d.set, "set", nil, "change the deployments for this call: [DEPLOYMENT:]PATH=VALUE (repeatable)")
	fs.StringArrayVar(&d.setString, "set-string", nil, "like --set, the value always a string")
	fs.StringArrayVar(&d.from, "from", nil, "[DEPLOYMENT:]OTHER: start from deployment OTHER's settings")
	fs.StringArrayVar(&d.fromFile, "from-file", nil, "[DEPLOYMENT:]FILE: merge settings from a YAML file")
}

func (d *createDeploymentsCmd) setValues() config.SetValues {
	return config.SetValues{Set: d.set, SetString: d.setString, From: d.from, FromFile: d.fromFile}
}

func (d *createDeploymentsCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	if !d.all && len(args) == 0 {
		return errors.New("either specify 'create_deployments --all' or 'create_deployments deployment1 deployment2'")
	}
	sel := selection{all: d.all, except: d.except, args: args, open: !d.setValues().Empty()}
	names, err := pick(sel, "deployment", "deployments", c.Config().Deployments)
	if err != nil || d.skip || len(names) == 0 {
		return err
	}
	log := c.Stdout
	opts := deploy.Options{Force: d.force, Sequential: d.seq}
	if d.wait && !d.render {
		opts.Ready = readyOptions(c, d.timeout)
	}
	if d.render {
		log = c.Stderr // stdout is the manifests
		opts.Render = c.Stdout
		opts.Namespace, _ = c.Flag("namespace")
	}
	return deploy.Create(ctx, deploy.CreateOptions{Config: c.Config(), Names: names, Patch: d.setValues(),
		Options: opts, Services: d.svc.deployServices(c, log, "deploy:")})
}
