package builtins

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/deploy"
	"github.com/devspace-engine/devspace/dev"
	"github.com/devspace-engine/devspace/dev/filesync"
	"github.com/devspace-engine/devspace/dev/ports"
	"github.com/devspace-engine/devspace/dev/replace"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/kube"
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
	names, err := pick(selection{all: d.all, except: d.except, args: args, open: !sv.Empty()}, "dev config", "dev", c.Engine.Config.Dev)
	if err != nil || len(names) == 0 {
		return err
	}
	client, err := d.svc.Kube(c)
	if err != nil {
		return err
	}
	for _, name := range names {
		p := c.Engine.Config.Dev[name]
		if !sv.Empty() {
			if p, err = c.Engine.Config.PatchDev(name, sv); err != nil {
				return err
			}
		}
		cfg, err := d.sessionConfig(c, name, p, client.Namespace)
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
func (d *startDevCmd) sessionConfig(c *engine.Call, name string, p *config.DevPod, defaultNS string) (dev.Config, error) {
	if err := unsupportedDev(name, p); err != nil {
		return dev.Config{}, err
	}
	ns := p.Namespace
	if ns == "" {
		ns = defaultNS
	}
	sel := kube.Selector{Namespace: ns, LabelSelector: p.LabelSelector, Container: p.Container}
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
		ch, err := changesOf(name, p, builtImage(c))
		if err != nil {
			return dev.Config{}, err
		}
		cfg.Changes = ch
	}
	for i, o := range p.Open {
		url, _ := o["url"].(string)
		if url == "" {
			return dev.Config{}, fmt.Errorf("dev %s: open[%d]: set url, e.g. http://localhost:8080", name, i)
		}
		cfg.Open = append(cfg.Open, dev.OpenConfig{URL: url})
	}
	cfg.Browser = dev.Desktop(c.Getenv)
	var err error
	if cfg.Services, err = d.services(c, name, &p.DevContainer); err != nil {
		return dev.Config{}, err
	}
	if err := d.terminal(c, name, "", &p.DevContainer, &cfg); err != nil {
		return dev.Config{}, err
	}
	for _, cname := range slices.Sorted(maps.Keys(p.Containers)) {
		dc := p.Containers[cname]
		container := cmp.Or(dc.Container, cname)
		svc, err := d.services(c, name+": containers."+cname, dc)
		if err != nil {
			return dev.Config{}, err
		}
		cfg.Containers = append(cfg.Containers, dev.ContainerServices{Container: container, Services: svc})
		if err := d.terminal(c, name, container, dc, &cfg); err != nil {
			return dev.Config{}, err
		}
	}
	if len(cfg.ReversePorts) > 0 || slices.ContainsFunc(cfg.Containers, func(cs dev.ContainerServices) bool { return len(cs.ReversePorts) > 0 }) {
		if cfg.Agent, err = d.svc.syncAgent(c.Getenv); err != nil {
			return dev.Config{}, fmt.Errorf("dev %s: reversePorts: %w", name, err)
		}
	}
	return cfg, nil
}

// services maps one container's ports, reverse ports, logs and syncs
// (what names it in errors: "web", or "web: containers.side").
func (d *startDevCmd) services(c *engine.Call, what string, dc *config.DevContainer) (dev.Services, error) {
	var svc dev.Services
	if !d.noPorts {
		for _, port := range dc.Ports {
			m, err := ports.ParsePort(port.Port, port.BindAddress)
			if err != nil {
				return svc, fmt.Errorf("dev %s: ports: %w", what, err)
			}
			svc.Ports = append(svc.Ports, m)
		}
		for i, rp := range dc.ReversePorts {
			port, _ := rp["port"].(string)
			bind, _ := rp["bindAddress"].(string)
			m, err := ports.ParsePort(port, bind)
			if err != nil {
				return svc, fmt.Errorf("dev %s: reversePorts[%d]: %w", what, i, err)
			}
			svc.ReversePorts = append(svc.ReversePorts, m)
		}
	}
	if l := dc.Logs; l != nil && (l.Enabled == nil || *l.Enabled) {
		svc.Logs, svc.LastLines = true, l.LastLines
	}
	if d.noSync {
		return svc, nil
	}
	for i, sc := range dc.Sync {
		s, err := syncConfig(c.Engine.Config.Dir, sc)
		if err != nil {
			return svc, fmt.Errorf("dev %s: sync[%d]: %w", what, i, err)
		}
		if s == nil {
			continue
		}
		if s.Agent, err = d.svc.syncAgent(c.Getenv); err != nil {
			return svc, fmt.Errorf("dev %s: sync[%d]: %w", what, i, err)
		}
		svc.Syncs = append(svc.Syncs, *s)
	}
	return svc, nil
}

// terminal sets the session's terminal (or attach) from one container's
// settings; only one may want the keyboard.
func (d *startDevCmd) terminal(c *engine.Call, name, container string, dc *config.DevContainer, cfg *dev.Config) error {
	var term *dev.TerminalConfig
	if t := dc.Terminal; t != nil && (t.Enabled == nil || *t.Enabled) {
		term = &dev.TerminalConfig{Command: t.Command, WorkDir: t.WorkDir, TTY: !t.DisableTTY, Stdin: c.Stdin, Stdout: c.Stdout}
	}
	if a, on := attachOf(dc); on {
		if term != nil {
			return fmt.Errorf("dev %s: set terminal or attach, not both: both want your keyboard", name)
		}
		term = &dev.TerminalConfig{Attach: true, TTY: !a.noTTY, Stdin: c.Stdin, Stdout: c.Stdout}
	}
	if term == nil {
		return nil
	}
	if cfg.Terminal != nil {
		return fmt.Errorf("dev %s: only one terminal or attach per dev config: both want your keyboard", name)
	}
	cfg.Terminal, cfg.TerminalContainer, cfg.ContinueOnTerminalExit = term, container, d.continueOnTermExit
	return nil
}

// syncConfig maps a sync[] entry; nil when it has nothing to do. Options
// without behaviour yet are errors, not silently ignored.
func syncConfig(dir string, sc config.DevSync) (*filesync.SyncConfig, error) {
	local, remote, ok := strings.Cut(sc.Path, ":")
	if !ok || remote == "" || !strings.HasPrefix(remote, "/") {
		return nil, fmt.Errorf("path %q: write LOCAL:REMOTE with an absolute remote directory, e.g. ./src:/app", sc.Path)
	}
	mode := filesync.InitialSync(sc.InitialSync)
	switch {
	case sc.File, sc.BandwidthLimits != nil:
		return nil, errors.New("file and bandwidthLimits are not available in this version yet")
	case sc.InitialSyncCompareBy != "":
		return nil, errors.New("initialSyncCompareBy is not available in this version yet (files of equal size and different mtime are compared by content)")
	case mode != "" && !slices.Contains(filesync.InitialSyncModes, mode):
		return nil, fmt.Errorf("initialSync %q: want one of %v", sc.InitialSync, filesync.InitialSyncModes)
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
	return &filesync.SyncConfig{
		Local: local, Remote: remote,
		OnUpload:         onUpload,
		Exclude:          slices.Concat(common, sc.UploadExcludePaths, up),
		Upload:           !sc.DisableUpload,
		Download:         !sc.DisableDownload,
		DownloadExclude:  slices.Concat(common, sc.DownloadExcludePaths, down),
		Initial:          mode,
		NoWaitInitial:    sc.WaitInitialSync != nil && !*sc.WaitInitialSync,
		NoWatch:          sc.NoWatch,
		Polling:          sc.Polling,
		RestartContainer: sc.OnUpload != nil && sc.OnUpload.RestartContainer,
		StartContainer:   sc.StartContainer,
	}, nil
}

// onUploadExecs maps onUpload.exec: a command without args runs
// through sh -c, as in DevSpace.
func onUploadExecs(o *config.DevSyncOnUpload) ([]filesync.UploadExec, error) {
	if o == nil {
		return nil, nil
	}
	var out []filesync.UploadExec
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
		out = append(out, filesync.UploadExec{Name: cmp.Or(e.Name, e.Command), Command: argv, OnChange: e.OnChange, FailOnError: e.FailOnError, Once: e.Once})
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

// changesOf is what dev config p changes in the pod: the selected
// container, the containers under containers:, and patches. Each devImage
// goes through resolveImage (given its config path), which points the
// name of an image built by the pipeline at the tag just built.
func changesOf(name string, p *config.DevPod, resolveImage imageResolver) (replace.PodChanges, error) {
	main, err := containerChanges(p.Container, &p.DevContainer, "dev."+name, resolveImage)
	if err != nil {
		return replace.PodChanges{}, err
	}
	pc := replace.PodChanges{Containers: []replace.Changes{main}}
	for _, cname := range slices.Sorted(maps.Keys(p.Containers)) {
		dc := p.Containers[cname]
		if err := unsupportedInContainer(name, cname, dc); err != nil {
			return replace.PodChanges{}, err
		}
		ch, err := containerChanges(cmp.Or(dc.Container, cname), dc, "dev."+name+".containers."+cname, resolveImage)
		if err != nil {
			return replace.PodChanges{}, err
		}
		pc.Containers = append(pc.Containers, ch)
	}
	for i, raw := range p.Patches {
		op, _ := raw["op"].(string)
		path, _ := raw["path"].(string)
		if op == "" || path == "" {
			return replace.PodChanges{}, fmt.Errorf("dev %s: patches[%d]: set op (add, replace or remove) and path", name, i)
		}
		pc.Patches = append(pc.Patches, replace.Patch{Op: op, Path: path, Value: raw["value"]})
	}
	return pc, nil
}

// containerChanges is what one container's settings change in it: the
// replacement fields, stdin and a TTY for attach, the restart helper.
// path is where c is in the config (dev.NAME or dev.NAME.containers.C).
func containerChanges(container string, c *config.DevContainer, path string, resolveImage imageResolver) (replace.Changes, error) {
	ch := replace.Changes{Container: container, Command: c.Command, Args: c.Args, WorkingDir: c.WorkingDir, Resources: c.Resources,
		RestartHelper: needsRestartHelper(c)}
	if c.DevImage != "" {
		img, err := resolveImage(path+".devImage", c.DevImage)
		if err != nil {
			return replace.Changes{}, err
		}
		ch.Image = img
	}
	if a, on := attachOf(c); on && !a.noReplace {
		ch.Attach, ch.NoTTY = true, a.noTTY
	}
	if len(c.Env) > 0 {
		ch.Env = map[string]string{}
		for _, e := range c.Env {
			ch.Env[e.Name] = e.Value
		}
	}
	return ch, nil
}

// needsRestartHelper says whether a sync starts (startContainer) or
// restarts the container's process, which the restart helper in the
// replacement does, unless
// restartHelper.inject: false says the image brings its own.
func needsRestartHelper(p *config.DevContainer) bool {
	if inject, set := p.RestartHelper["inject"].(bool); set && !inject {
		return false
	}
	return slices.ContainsFunc(p.Sync, func(sc config.DevSync) bool {
		return sc.StartContainer || (sc.OnUpload != nil && sc.OnUpload.RestartContainer)
	})
}

// attachSettings are dev.*.attach's options.
type attachSettings struct{ noReplace, noTTY bool }

// attachOf reads dev.*.attach ({enabled, disableReplace, disableTTY});
// on is false when it is absent or disabled.
func attachOf(p *config.DevContainer) (a attachSettings, on bool) {
	if p.Attach == nil {
		return a, false
	}
	flag := func(k string) bool { v, _ := p.Attach[k].(bool); return v }
	if v, set := p.Attach["enabled"].(bool); set && !v {
		return a, false
	}
	return attachSettings{noReplace: flag("disableReplace"), noTTY: flag("disableTTY")}, true
}

// unsupportedInContainer refuses, under containers:, what has no
// behaviour yet.
func unsupportedInContainer(name, container string, c *config.DevContainer) error {
	var fields []string
	for _, f := range []struct {
		set   bool
		field string
	}{{c.SSH != nil, "ssh"}, {len(c.ProxyCommands) > 0, "proxyCommands"}, {len(c.PersistPaths) > 0, "persistPaths"}} {
		if f.set {
			fields = append(fields, f.field)
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return fmt.Errorf("dev %s: containers.%s: %s not available in this version yet", name, container, strings.Join(fields, ", "))
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
	add(p.SSH != nil, "ssh")
	add(len(p.ProxyCommands) > 0, "proxyCommands")
	add(len(p.PersistPaths) > 0, "persistPaths")
	if len(fields) == 0 {
		return nil
	}
	return fmt.Errorf("dev %s: %s not available in this version yet (ports, reversePorts, logs, terminal, attach, open, sync, devImage, command, args, workingDir, env, resources, containers and patches are)", name, strings.Join(fields, ", "))
}

// imageResolver resolves the image name value written at path of the
// config.
type imageResolver func(path, value string) (string, error)

// builtImage resolves an image name of a dev config (devImage) as an
// image field of a deployment is resolved: runtime variables, and the
// name of an image in images: gets the tag built (or last recorded).
// An error points at the value in devspace.yaml.
func builtImage(c *engine.Call) imageResolver {
	return func(path, value string) (string, error) {
		ref, err := deploy.ResolveImage(value, runtimeImages{c})
		if err != nil {
			return "", c.Engine.Config.ErrorAt(path, "devImage: %v", err)
		}
		return ref, nil
	}
}

// runtimeExpand resolves ${runtime.…} in a config or flag value.
func runtimeExpand(c *engine.Call, s string) (string, error) {
	return runtime.Expand(s, c.Engine.Runtime.Lookup)
}
