package builtins

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/dev"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/runtime"
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
}

func (d *startDevCmd) Flags(fs *pflag.FlagSet, _ *engine.Call) {
	fs.BoolVar(&d.all, "all", false, "start every dev config in dev:")
	fs.StringArrayVar(&d.except, "except", nil, "with --all, leave out this dev config (repeatable)")
	fs.BoolVar(&d.noPorts, "disable-port-forwarding", false, "do not forward ports")
	fs.BoolVar(&d.noReplace, "disable-pod-replace", false, "use the pods as they are: no devImage, command, args, workingDir or env")
	fs.BoolVar(&d.noSync, "disable-sync", false, "do not sync files")
	fs.BoolVar(&d.continueOnTermExit, "continue-on-terminal-exit", false, "keep dev running when the terminal exits")
	fs.StringArrayVar(&d.set, "set", nil, "accepted for DevSpace compatibility")
	fs.StringArrayVar(&d.setString, "set-string", nil, "accepted for DevSpace compatibility")
	fs.StringArrayVar(&d.from, "from", nil, "accepted for DevSpace compatibility")
}

func (d *startDevCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	if !d.all && len(args) == 0 {
		return errors.New("either specify 'start_dev --all' or 'start_dev devConfig1 devConfig2'")
	}
	names, err := pick(selection{all: d.all, except: d.except, args: args}, "dev config", "dev", c.Engine.Config.Dev)
	if err != nil || len(names) == 0 {
		return err
	}
	client, err := d.svc.Kube(c)
	if err != nil {
		return err
	}
	for _, name := range names {
		cfg, err := d.sessionConfig(c, name, client.Namespace)
		if err != nil {
			return err
		}
		if err := d.svc.dev().Start(ctx, client, cfg); err != nil {
			return fmt.Errorf("dev %s: %w", name, err)
		}
	}
	return nil
}

// sessionConfig turns dev.NAME into what the dev manager runs; fields
// whose behaviour is not there yet are refused rather than ignored.
func (d *startDevCmd) sessionConfig(c *engine.Call, name, defaultNS string) (dev.Config, error) {
	p := c.Engine.Config.Dev[name]
	if err := unsupportedDev(name, p); err != nil {
		return dev.Config{}, err
	}
	ns := p.Namespace
	if ns == "" {
		ns = defaultNS
	}
	sel := dev.Selector{Namespace: ns, LabelSelector: p.LabelSelector, Container: p.Container}
	if p.ImageSelector != "" {
		img, err := runtimeExpand(c, p.ImageSelector)
		if err != nil {
			return dev.Config{}, fmt.Errorf("dev %s: imageSelector: %w", name, err)
		}
		sel.ImageSelector = img
	}
	if sel.ImageSelector == "" && len(sel.LabelSelector) == 0 {
		return dev.Config{}, fmt.Errorf("dev %s: set imageSelector or labelSelector", name)
	}
	cfg := dev.Config{Name: name, Project: c.Engine.Config.Name, Selector: sel, Log: logTo(c, c.Stdout, "dev:")(name)}
	if !d.noReplace {
		cfg.Changes = changesOf(p)
	}
	if !d.noPorts {
		for _, port := range p.Ports {
			m, err := dev.ParsePort(port.Port, port.BindAddress)
			if err != nil {
				return dev.Config{}, fmt.Errorf("dev %s: ports: %w", name, err)
			}
			cfg.Ports = append(cfg.Ports, m)
		}
	}
	if l := p.Logs; l != nil && (l.Enabled == nil || *l.Enabled) {
		cfg.Logs, cfg.LastLines = true, l.LastLines
	}
	if t := p.Terminal; t != nil && (t.Enabled == nil || *t.Enabled) {
		cfg.Terminal = &dev.TerminalConfig{Command: t.Command, WorkDir: t.WorkDir, TTY: !t.DisableTTY, Stdin: c.Stdin, Stdout: c.Stdout}
		cfg.ContinueOnTerminalExit = d.continueOnTermExit
	}
	if !d.noSync {
		for i, sc := range p.Sync {
			s, err := syncConfig(c.Engine.Config.Dir, sc)
			if err != nil {
				return dev.Config{}, fmt.Errorf("dev %s: sync[%d]: %w", name, i, err)
			}
			if s == nil {
				continue
			}
			if s.Agent, err = d.svc.syncAgent(c.Getenv); err != nil {
				return dev.Config{}, fmt.Errorf("dev %s: sync[%d]: %w", name, i, err)
			}
			cfg.Syncs = append(cfg.Syncs, *s)
		}
	}
	return cfg, nil
}

// syncConfig maps a sync[] entry; nil when it has nothing to do. Options
// without behaviour yet are errors, not silently ignored.
func syncConfig(dir string, sc config.DevSync) (*dev.SyncConfig, error) {
	local, remote, ok := strings.Cut(sc.Path, ":")
	if !ok || remote == "" || !strings.HasPrefix(remote, "/") {
		return nil, fmt.Errorf("path %q: write LOCAL:REMOTE with an absolute remote directory, e.g. ./src:/app", sc.Path)
	}
	mode := dev.InitialSync(sc.InitialSync)
	switch {
	case sc.StartContainer, sc.File, sc.BandwidthLimits != nil:
		return nil, errors.New("startContainer, file and bandwidthLimits are not available in this version yet")
	case sc.OnUpload != nil && sc.OnUpload.RestartContainer:
		return nil, errors.New("onUpload.restartContainer is not available in this version yet (it needs DevSpace's restart helper); onUpload.exec is")
	case sc.InitialSyncCompareBy != "":
		return nil, errors.New("initialSyncCompareBy is not available in this version yet (files of equal size and different mtime are compared by content)")
	case mode != "" && !slices.Contains(dev.InitialSyncModes, mode):
		return nil, fmt.Errorf("initialSync %q: want one of %v", sc.InitialSync, dev.InitialSyncModes)
	case sc.DisableUpload && sc.DisableDownload:
		return nil, nil
	}
	if !filepath.IsAbs(local) {
		local = filepath.Join(dir, local)
	}
	common, err := patternFile(dir, sc.ExcludeFile)
	if err != nil {
		return nil, err
	}
	common = append(common, sc.ExcludePaths...)
	up, err := patternFile(dir, sc.UploadExcludeFile)
	if err != nil {
		return nil, err
	}
	down, err := patternFile(dir, sc.DownloadExcludeFile)
	if err != nil {
		return nil, err
	}
	onUpload, err := onUploadExecs(sc.OnUpload)
	if err != nil {
		return nil, err
	}
	return &dev.SyncConfig{
		Local: local, Remote: remote,
		OnUpload:        onUpload,
		Exclude:         slices.Concat(common, sc.UploadExcludePaths, up),
		Upload:          !sc.DisableUpload,
		Download:        !sc.DisableDownload,
		DownloadExclude: slices.Concat(common, sc.DownloadExcludePaths, down),
		Initial:         mode,
		NoWaitInitial:   sc.WaitInitialSync != nil && !*sc.WaitInitialSync,
		NoWatch:         sc.NoWatch,
		Polling:         sc.Polling,
	}, nil
}

// onUploadExecs maps onUpload.exec: a command without args runs
// through sh -c, as in DevSpace.
func onUploadExecs(o *config.DevSyncOnUpload) ([]dev.UploadExec, error) {
	if o == nil {
		return nil, nil
	}
	var out []dev.UploadExec
	for i, e := range o.Exec {
		switch {
		case e.Command == "":
			return nil, fmt.Errorf("onUpload.exec[%d]: command is empty", i)
		case e.Local:
			return nil, fmt.Errorf("onUpload.exec[%d]: local is not available in this version yet", i)
		}
		argv := append([]string{e.Command}, e.Args...)
		if len(e.Args) == 0 {
			argv = []string{"sh", "-c", e.Command}
		}
		out = append(out, dev.UploadExec{Name: cmp.Or(e.Name, e.Command), Command: argv, OnChange: e.OnChange, FailOnError: e.FailOnError, Once: e.Once})
	}
	return out, nil
}

// patternFile reads an exclude file: one pattern per line, # comments.
func patternFile(dir, name string) ([]string, error) {
	if name == "" {
		return nil, nil
	}
	if !filepath.IsAbs(name) {
		name = filepath.Join(dir, name)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("excludeFile: %w", err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, nil
}

func changesOf(p *config.DevPod) dev.Changes {
	ch := dev.Changes{Container: p.Container, Image: p.DevImage, Command: p.Command, Args: p.Args, WorkingDir: p.WorkingDir}
	if len(p.Env) > 0 {
		ch.Env = map[string]string{}
		for _, e := range p.Env {
			ch.Env[e.Name] = e.Value
		}
	}
	return ch
}

// unsupportedDev names the dev fields that are configured but have no
// behaviour yet, so that nobody waits for a sync that never comes.
func unsupportedDev(name string, p *config.DevPod) error {
	var fields []string
	add := func(set bool, field string) {
		if set {
			fields = append(fields, field)
		}
	}
	add(len(p.ReversePorts) > 0, "reversePorts")
	add(p.Attach != nil, "attach")
	add(p.SSH != nil, "ssh")
	add(len(p.Containers) > 0, "containers")
	add(len(p.Patches) > 0, "patches")
	add(len(p.ProxyCommands) > 0, "proxyCommands")
	add(len(p.PersistPaths) > 0, "persistPaths")
	add(p.Resources != nil, "resources")
	if len(fields) == 0 {
		return nil
	}
	return fmt.Errorf("dev %s: %s not available in this version yet (ports, logs, terminal, sync, devImage, command, args, workingDir and env are)", name, strings.Join(fields, ", "))
}

// runtimeExpand resolves ${runtime.…} in a config or flag value.
func runtimeExpand(c *engine.Call, s string) (string, error) {
	return runtime.Expand(s, c.Engine.Runtime.Lookup)
}
