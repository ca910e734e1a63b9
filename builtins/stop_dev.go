package builtins

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/dev/replace"
	"github.com/devspace-engine/devspace/engine"
)

func stopDev(svc *Services) *engine.Builtin {
	return &engine.Builtin{
		Name:    "stop_dev",
		Usage:   "stop_dev [--all | DEV...] [--except DEV]...",
		Summary: "Stop dev mode and restore replaced pods (also after a crash: the cluster records them).",
		New:     func() engine.Command { return &stopDevCmd{svc: svc} },
	}
}

type stopDevCmd struct {
	svc    *Services
	all    bool
	except []string
}

func (d *stopDevCmd) Flags(fs *pflag.FlagSet, _ *engine.Call) {
	fs.BoolVar(&d.all, "all", false, "stop every dev config in dev:")
	fs.StringArrayVar(&d.except, "except", nil, "with --all, leave out this dev config (repeatable)")
	fs.Bool("force-purge", false, "accepted for DevSpace compatibility")
}

func (d *stopDevCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	if !d.all && len(args) == 0 {
		return errors.New("either specify 'stop_dev --all' or 'stop_dev devConfig1 devConfig2'")
	}
	// A name outside dev: is allowed: start_dev --set can make a dev
	// config that exists only for its call, and its replacement is
	// recorded in the cluster under that name.
	names, err := pick(selection{all: d.all, except: d.except, args: args, open: true}, "dev config", "dev", c.Config().Dev)
	if err != nil || len(names) == 0 {
		return err
	}
	for _, name := range names {
		d.svc.dev().Stop(name)
	}
	client, err := d.svc.Kube(c)
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range names {
		ns := client.Namespace
		p, known := c.Config().Dev[name]
		if known && p.Namespace != "" {
			ns = p.Namespace
		}
		restored, err := replace.Restore(ctx, client, ns, c.Config().Name, name)
		if !known && len(restored) == 0 && err == nil {
			err = fmt.Errorf("no dev config %s in dev:, and nothing it replaced in namespace %s", name, ns)
		}
		for _, w := range restored {
			fmt.Fprintf(logTo(c, c.Stdout, "dev:")(name), "Restored %s in namespace %s\n", w, ns)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("dev %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}
