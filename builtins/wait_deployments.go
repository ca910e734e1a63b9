package builtins

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/deploy"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/rollout"
)

func waitDeployments(svc *Services) *engine.Builtin {
	return &engine.Builtin{
		Name:    "wait_deployments",
		Usage:   "wait_deployments [--all | DEPLOYMENT...] [--except DEPLOYMENT]... [--timeout DURATION] [--json]",
		Summary: "Wait until the deployed workloads are rolled out and ready, or say why one cannot be.",
		New:     func() engine.Command { return &waitDeploymentsCmd{svc: svc} },
	}
}

type waitDeploymentsCmd struct {
	svc     *Services
	all     bool
	except  []string
	timeout time.Duration
	asJSON  bool
}

func (w *waitDeploymentsCmd) Flags(fs *pflag.FlagSet, _ *engine.Call) {
	fs.BoolVar(&w.all, "all", false, "wait for every deployment in deployments: (waitReady: false ones too)")
	fs.StringArrayVar(&w.except, "except", nil, "with --all, leave out this deployment (repeatable)")
	fs.DurationVar(&w.timeout, "timeout", defaultReadyTimeout, "how long to wait at most (0: no limit)")
	fs.BoolVar(&w.asJSON, "json", false, "print each workload's result (ready, waitedSeconds, failure) as JSON on stdout")
}

func (w *waitDeploymentsCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	if !w.all && len(args) == 0 {
		return errors.New("either specify 'wait_deployments --all' or 'wait_deployments deployment1 deployment2'")
	}
	names, err := pick(selection{all: w.all, except: w.except, args: args}, "deployment", "deployments", c.Config().Deployments)
	if err != nil || len(names) == 0 {
		return err
	}
	ready, log := readyOptions(c, w.timeout), c.Stdout
	if w.asJSON {
		ready.Live, log = nil, c.Stderr // stdout is the report
	}
	results, err := deploy.Wait(ctx, deploy.WaitOptions{Config: c.Config(), Names: names, Ready: *ready,
		Services: w.svc.deployServices(c, log, "wait:")})
	if w.asJSON && results != nil {
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(results); jerr != nil {
			return errors.Join(err, jerr)
		}
	}
	return err
}

// defaultReadyTimeout is how long deploys wait for ready workloads, as
// Skaffold's status check.
const defaultReadyTimeout = 10 * time.Minute

// readyOptions are the wait's options for a call: a live status block on
// a terminal, else status lines on the deployments' logs.
func readyOptions(c *engine.Call, timeout time.Duration) *rollout.Options {
	o := &rollout.Options{Timeout: timeout}
	if !c.Silent() && engine.IsTerminal(c.Stdout) {
		o.Live = c.Stdout
	}
	return o
}
