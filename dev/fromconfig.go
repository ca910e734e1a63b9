package dev

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/dev/agent"
	"github.com/devspace-engine/devspace/dev/filesync"
	"github.com/devspace-engine/devspace/dev/ports"
	"github.com/devspace-engine/devspace/dev/proxycmd"
	"github.com/devspace-engine/devspace/dev/replace"
	"github.com/devspace-engine/devspace/dev/sshd"
	"github.com/devspace-engine/devspace/kube"
)

// Setup is what a session needs beyond dev.NAME of devspace.yaml: the
// project, start_dev's flags, and the run's terminal, log and lookups.
type Setup struct {
	Project string // the project's name (the lock, the replacement records)
	Dir     string // the project's directory, which sync paths and exclude files are relative to
	// Namespace is the pod's when dev.NAME names none (the client's).
	Namespace string
	// start_dev's --disable-port-forwarding, --disable-pod-replace,
	// --disable-sync and --continue-on-terminal-exit.
	NoPorts, NoReplace, NoSync, ContinueOnTerminalExit bool
	// Browser opens the open: URLs in a browser too (see Desktop).
	Browser bool
	// Stdin and Stdout are the terminal's; Log gets the session's messages.
	Stdin  io.Reader
	Stdout io.Writer
	Log    io.Writer
	// Expand resolves runtime variables in imageSelector.
	Expand func(string) (string, error)
	// ResolveImage resolves a devImage written at path of the config (for
	// errors) to the image to run: the name of an image the pipeline built
	// gets the tag just built.
	ResolveImage func(path, value string) (string, error)
	// RecordFile is where the running session is recorded (SessionsFile).
	RecordFile string
	// Agent is the sync agent that syncs and reverse ports copy in;
	// dev.*.arch picks its build (see agent.Agent.ForArch).
	Agent *agent.Agent
}

// ConfigFor turns dev.NAME of devspace.yaml into the Config that
// Manager.Start runs; fields whose behaviour is not there yet were
// refused when the config loaded (config.Unsupported).
func ConfigFor(name string, p *config.DevPod, s Setup) (Config, error) {
	ns := p.Namespace
	if ns == "" {
		ns = s.Namespace
	}
	sel := kube.Selector{Namespace: ns, LabelSelector: p.LabelSelector, Container: p.Container}
	if p.ImageSelector != "" {
		img, err := s.Expand(p.ImageSelector)
		if err != nil {
			return Config{}, fmt.Errorf("dev %s: imageSelector: %w", name, err)
		}
		sel.ImageSelector = img
	}
	if sel.ImageSelector == "" && len(sel.LabelSelector) == 0 {
		return Config{}, fmt.Errorf("dev %s: set imageSelector or labelSelector", name)
	}
	cfg := Config{Name: name, Project: s.Project, Selector: sel, Log: s.Log, RecordFile: s.RecordFile}
	if !s.NoReplace {
		ch, err := changesOf(name, p, s.ResolveImage)
		if err != nil {
			return Config{}, err
		}
		cfg.Changes = ch
	}
	for i, o := range p.Open {
		url, _ := o["url"].(string)
		if url == "" {
			return Config{}, fmt.Errorf("dev %s: open[%d]: set url, e.g. http://localhost:8080", name, i)
		}
		cfg.Open = append(cfg.Open, OpenConfig{URL: url})
	}
	cfg.Browser = s.Browser
	var err error
	if cfg.Services, err = s.services(name, &p.DevContainer, p.Arch); err != nil {
		return Config{}, err
	}
	hosts := map[string]string{} // ssh host names: one per container
	if cfg.Services.SSH, err = sshOf(name, name, s.Project, p.SSH, hosts); err != nil {
		return Config{}, err
	}
	if cfg.Services.Proxy, err = s.proxyOf(name, name, &p.DevContainer, cfg.Services.Syncs); err != nil {
		return Config{}, err
	}
	if err := s.terminal(name, "", &p.DevContainer, &cfg); err != nil {
		return Config{}, err
	}
	for _, cname := range slices.Sorted(maps.Keys(p.Containers)) {
		dc := p.Containers[cname]
		container := cmp.Or(dc.Container, cname)
		svc, err := s.services(name+": containers."+cname, dc, cmp.Or(dc.Arch, p.Arch))
		if err != nil {
			return Config{}, err
		}
		if svc.SSH, err = sshOf(name+": containers."+cname, name, s.Project, dc.SSH, hosts); err != nil {
			return Config{}, err
		}
		if svc.Proxy, err = s.proxyOf(name+": containers."+cname, name+"/"+container, dc, svc.Syncs); err != nil {
			return Config{}, err
		}
		cfg.Containers = append(cfg.Containers, ContainerServices{Container: container, Services: svc})
		if err := s.terminal(name, container, dc, &cfg); err != nil {
			return Config{}, err
		}
	}
	return cfg, nil
}

// services maps one container's ports, reverse ports, logs and syncs
// (what names it in errors: "web", or "web: containers.side"); arch is
// the container's configured architecture (its own arch, else its dev
// config's: the containers of a pod share a node), "" to detect it.
func (s Setup) services(what string, dc *config.DevContainer, arch string) (Services, error) {
	var svc Services
	if s.Agent != nil { // nil: a caller with no syncs to start
		svc.Agent = s.Agent.ForArch(arch)
	}
	if !s.NoPorts {
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
	if s.NoSync {
		return svc, nil
	}
	for i, sc := range dc.Sync {
		fs, err := syncConfig(s.Dir, sc)
		if err != nil {
			return svc, fmt.Errorf("dev %s: sync[%d]: %w", what, i, err)
		}
		if fs == nil {
			continue
		}
		fs.Agent = svc.Agent
		svc.Syncs = append(svc.Syncs, *fs)
	}
	return svc, nil
}

// sshOf maps dev.*.ssh (what names it in errors); the Host entry's name
// defaults to NAME.PROJECT.devspace, and no two containers may share one.
func sshOf(what, name, project string, c *config.DevSSH, hosts map[string]string) (*sshd.Config, error) {
	if c == nil || (c.Enabled != nil && !*c.Enabled) {
		return nil, nil
	}
	if c.LocalPort < 0 || c.LocalPort > 65535 {
		return nil, fmt.Errorf("dev %s: ssh.localPort %d is not a port number", what, c.LocalPort)
	}
	host := cmp.Or(c.LocalHostname, name+"."+project+".devspace")
	if other, ok := hosts[host]; ok {
		return nil, fmt.Errorf("dev %s: ssh.localHostname %q is %s's too: give one of them another localHostname", what, host, other)
	}
	hosts[host] = what
	return &sshd.Config{Host: host, LocalPort: c.LocalPort, RemoteAddress: cmp.Or(c.RemoteAddress, ":8022")}, nil
}

// proxyOf maps dev.*.proxyCommands (what names it in errors, key tells
// the container from its siblings); the syncs map working directories.
func (s Setup) proxyOf(what, key string, dc *config.DevContainer, syncs []filesync.SyncConfig) (*proxycmd.Config, error) {
	if len(dc.ProxyCommands) == 0 {
		return nil, nil
	}
	cfg := &proxycmd.Config{DefaultDir: s.Dir, Key: key}
	for i, pc := range dc.ProxyCommands {
		if pc.Command == "" || strings.ContainsAny(pc.Command, "/ \t") {
			return nil, fmt.Errorf("dev %s: proxyCommands[%d].command %q: want a command name such as git", what, i, pc.Command)
		}
		local := strings.Fields(cmp.Or(pc.LocalCommand, pc.Command))
		cfg.Commands = append(cfg.Commands, proxycmd.Command{Name: pc.Command, Local: local, SkipContainerEnv: pc.SkipContainerEnv})
		cfg.GitCredentials = cfg.GitCredentials || pc.GitCredentials
	}
	for _, sc := range syncs {
		cfg.Dirs = append(cfg.Dirs, proxycmd.DirMap{Remote: sc.Remote, Local: sc.Local})
	}
	return cfg, nil
}

// terminal sets the session's terminal (or attach) from one container's
// settings; only one may want the keyboard.
func (s Setup) terminal(name, container string, dc *config.DevContainer, cfg *Config) error {
	var term *TerminalConfig
	if t := dc.Terminal; t != nil && (t.Enabled == nil || *t.Enabled) {
		term = &TerminalConfig{Command: t.Command, WorkDir: t.WorkDir, TTY: !t.DisableTTY, Stdin: s.Stdin, Stdout: s.Stdout}
	}
	if a, on := attachOf(dc); on {
		if term != nil {
			return fmt.Errorf("dev %s: set terminal or attach, not both: both want your keyboard", name)
		}
		term = &TerminalConfig{Attach: true, TTY: !a.noTTY, Stdin: s.Stdin, Stdout: s.Stdout}
	}
	if term == nil {
		return nil
	}
	if cfg.Terminal != nil {
		return fmt.Errorf("dev %s: only one terminal or attach per dev config: both want your keyboard", name)
	}
	cfg.Terminal, cfg.TerminalContainer, cfg.ContinueOnTerminalExit = term, container, s.ContinueOnTerminalExit
	return nil
}

// syncConfig maps a sync[] entry; nil when it has nothing to do. Options
// without behaviour yet were refused when the config loaded.
func syncConfig(dir string, sc config.DevSync) (*filesync.SyncConfig, error) {
	local, remote, ok := strings.Cut(sc.Path, ":")
	if !ok || remote == "" || !strings.HasPrefix(remote, "/") {
		return nil, fmt.Errorf("path %q: write LOCAL:REMOTE with an absolute remote directory, e.g. ./src:/app", sc.Path)
	}
	mode := filesync.InitialSync(sc.InitialSync)
	switch {
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
		if e.Command == "" {
			return nil, fmt.Errorf("onUpload.exec[%d]: command is empty", i)
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
func changesOf(name string, p *config.DevPod, resolveImage func(path, value string) (string, error)) (replace.PodChanges, error) {
	main, err := containerChanges(p.Container, &p.DevContainer, "dev."+name, resolveImage)
	if err != nil {
		return replace.PodChanges{}, err
	}
	pc := replace.PodChanges{Containers: []replace.Changes{main}}
	for _, cname := range slices.Sorted(maps.Keys(p.Containers)) {
		dc := p.Containers[cname]
		ch, err := containerChanges(cmp.Or(dc.Container, cname), dc, "dev."+name+".containers."+cname, resolveImage)
		if err != nil {
			return replace.PodChanges{}, err
		}
		pc.Containers = append(pc.Containers, ch)
	}
	if err := addPersistPaths(name, p, &pc); err != nil {
		return replace.PodChanges{}, err
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

// addPersistPaths puts each persisted path on the changes of its
// container (containerName, else the one of the dev config it is under)
// and the claim's options on pc.
func addPersistPaths(name string, p *config.DevPod, pc *replace.PodChanges) error {
	add := func(where, container string, paths []config.DevPersistPath) error {
		for i, pp := range paths {
			if pp.Path == "" || !strings.HasPrefix(pp.Path, "/") {
				return fmt.Errorf("dev %s: %spersistPaths[%d]: path %q: set the absolute path of the directory in the container", name, where, i, pp.Path)
			}
			target := cmp.Or(pp.ContainerName, container)
			k := slices.IndexFunc(pc.Containers, func(c replace.Changes) bool { return c.Container == target })
			if k < 0 {
				pc.Containers = append(pc.Containers, replace.Changes{Container: target})
				k = len(pc.Containers) - 1
			}
			pc.Containers[k].Persist = append(pc.Containers[k].Persist, replace.PersistPath{
				Path: pp.Path, VolumePath: pp.VolumePath, ReadOnly: pp.ReadOnly, SkipPopulate: pp.SkipPopulate})
		}
		return nil
	}
	if err := add("", p.Container, p.PersistPaths); err != nil {
		return err
	}
	for _, cname := range slices.Sorted(maps.Keys(p.Containers)) {
		dc := p.Containers[cname]
		if err := add("containers."+cname+".", cmp.Or(dc.Container, cname), dc.PersistPaths); err != nil {
			return err
		}
	}
	if o := p.PersistenceOptions; o != nil {
		pc.Persistence = replace.Persistence{Name: o.Name, Size: o.Size, StorageClassName: o.StorageClassName, AccessModes: o.AccessModes, ReadOnly: o.ReadOnly}
	}
	return nil
}

// containerChanges is what one container's settings change in it: the
// replacement fields, stdin and a TTY for attach, the restart helper.
// path is where c is in the config (dev.NAME or dev.NAME.containers.C).
func containerChanges(container string, c *config.DevContainer, path string, resolveImage func(path, value string) (string, error)) (replace.Changes, error) {
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
