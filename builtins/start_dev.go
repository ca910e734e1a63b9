package builtins

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/deploy"
	"github.com/devspace-engine/devspace/dev"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/runvars"
)

func startDev(svc *Services) *engine.Builtin {
	return &engine.Builtin{
		Name:    "start_dev",
		Usage:   "start_dev [--all | DEV...] [--except DEV]... [flags]",
		Summary: "Start dev mode: select (or replace) the pod, forward ports, stream logs; runs until the pipeline's command ends.",
		New:     func() engine.Command { return &startDevCmd{svc: svc} },
	}
}

type startDevCmd struct {
	svc                          *Services
	all, noPorts, noReplace      bool
	noSync, continueOnTermExit   bool
	except, set, setString, from []string
	fromFile                     []string
}

func (d *startDevCmd) Flags(fs *pflag.FlagSet, _ *engine.Call) {
	fs.BoolVar(&d.all, "all", false, "start every dev config in dev:")
	fs.StringArrayVar(&d.except, "except", nil, "with --all, leave out this dev config (repeatable)")
	fs.BoolVar(&d.noPorts, "disable-port-forwarding", false, "do not forward ports")
	fs.BoolVar(&d.noReplace, "disable-pod-replace", false, "use the pods as they are: no devImage, command, args, workingDir or env")
	fs.BoolVar(&d.noSync, "disable-sync", false, "do not sync files")
	fs.BoolVar(&d.continueOnTermExit, "continue-on-terminal-exit", false, "keep dev running when the terminal exits")
	fs.StringArrayVar(&d.set, "set", nil, "[DEV:]KEY=VALUE: change a setting of the dev config (a YAML value; repeatable)")
	fs.StringArrayVar(&d.setString, "set-string", nil, "[DEV:]KEY=VALUE: the same, the value always a string")
	fs.StringArrayVar(&d.from, "from", nil, "[DEV:]OTHER: start from the settings of dev config OTHER")
	fs.StringArrayVar(&d.fromFile, "from-file", nil, "[DEV:]FILE: merge settings from a YAML file")
}

func (d *startDevCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	if !d.all && len(args) == 0 {
		return errors.New("either specify 'start_dev --all' or 'start_dev devConfig1 devConfig2'")
	}
	sv := config.SetValues{Set: d.set, SetString: d.setString, From: d.from, FromFile: d.fromFile}
	names, err := pick(selection{all: d.all, except: d.except, args: args, open: !sv.Empty()}, "dev config", "dev", c.Config().Dev)
	if err != nil || len(names) == 0 {
		return err
	}
	client, err := d.svc.Kube(c)
	if err != nil {
		return err
	}
	for _, name := range names {
		p := c.Config().Dev[name]
		if !sv.Empty() {
			if p, err = c.Config().PatchDev(name, sv); err != nil {
				return err
			}
		}
		cfg, err := dev.ConfigFor(name, p, d.setup(c, name, client.Namespace))
		if err != nil {
			return err
		}
		cfg.Events = c.Events()
		if err := d.svc.dev().Start(ctx, client, cfg); err != nil {
			return fmt.Errorf("dev %s: %w", name, err)
		}
	}
	return nil
}

// setup is what the dev session of dev.NAME takes from the run and the
// flags.
func (d *startDevCmd) setup(c *engine.Call, name, namespace string) dev.Setup {
	return dev.Setup{
		Project: c.Config().Name, Dir: c.Config().Dir, Namespace: namespace, RecordFile: dev.SessionsFile(c.Config().Path),
		NoPorts: d.noPorts, NoReplace: d.noReplace, NoSync: d.noSync, ContinueOnTerminalExit: d.continueOnTermExit,
		Browser: dev.Desktop(c.Getenv),
		Stdin:   c.Stdin, Stdout: c.Stdout, Log: logTo(c, c.Stdout, "dev:")(name),
		Expand:       func(s string) (string, error) { return runtimeExpand(c, s) },
		ResolveImage: builtImage(c),
		Agent:        d.svc.syncAgent(c.Getenv),
	}
}

// builtImage resolves an image name of a dev config (devImage) as an
// image field of a deployment is resolved: runtime variables, and the
// name of an image in images: gets the tag built (or last recorded).
// An error points at the value in devspace.yaml.
func builtImage(c *engine.Call) func(path, value string) (string, error) {
	return func(path, value string) (string, error) {
		ref, err := deploy.ResolveImage(value, deploy.StoreImages(c.Config().Images, c.Runtime()))
		if err != nil {
			return "", c.Config().ErrorAt(path, "devImage: %v", err)
		}
		return ref, nil
	}
}

// runtimeExpand resolves ${runtime.…} in a config or flag value.
func runtimeExpand(c *engine.Call, s string) (string, error) {
	return runvars.Expand(s, c.Runtime().Lookup)
}
