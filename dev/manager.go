// Package dev runs dev mode: start_dev's sessions, each composing, for the
// pod a dev config selects, port forwards, the container's log, a terminal
// in it and file syncs, all following the pod when it is replaced. It
// talks to the cluster through the dynamic client and raw REST clients
// only (no typed clientset: start-up cost).
package dev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/devspace-engine/devspace/dev/agent"
	"github.com/devspace-engine/devspace/dev/filesync"
	"github.com/devspace-engine/devspace/dev/ports"
	"github.com/devspace-engine/devspace/dev/proxycmd"
	"github.com/devspace-engine/devspace/dev/replace"
	"github.com/devspace-engine/devspace/dev/sshd"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/kube"
)

// Config is one dev config ready to run.
type Config struct {
	Name, Project string
	Selector      kube.Selector
	// Changes replace the pod when not empty.
	Changes replace.PodChanges
	// Services run for the selected container; Containers for others of
	// the same pod (dev.*.containers).
	Services
	Containers []ContainerServices
	// Terminal, when set, opens a shell (or attaches) once the session
	// runs, in TerminalContainer (the selected one when empty); when it
	// exits, dev stops unless ContinueOnTerminalExit.
	Terminal               *TerminalConfig
	TerminalContainer      string
	ContinueOnTerminalExit bool
	// Open are URLs announced (and, with Browser, opened) once they answer.
	Open    []OpenConfig
	Browser bool
	// Log receives the session's messages and the container's log.
	Log io.Writer
	// RecordFile, when set, is where the session is recorded while it
	// runs (see SessionRecord).
	RecordFile string
	// Events receives devCommand:before:sync and the services' start,
	// restart, error and stop events, for hooks; nil emits none.
	Events engine.Events
}

// Services are what runs for one container of the pod.
type Services struct {
	// Agent is the sync agent reverse ports use (copied into the container).
	Agent        *agent.Agent
	Ports        []ports.PortMapping
	ReversePorts []ports.PortMapping
	Logs         bool
	LastLines    int
	Syncs        []filesync.SyncConfig
	// SSH, when set, runs an SSH server in the container (dev.*.ssh).
	SSH *sshd.Config
	// Proxy, when set, runs the container's proxy commands here.
	Proxy *proxycmd.Config
}

// ContainerServices are the services of a container named in
// dev.*.containers.
type ContainerServices struct {
	Container string
	Services
}

// prefixed writes a prefix before the writes of one container's log.
type prefixed struct {
	w      io.Writer
	prefix string
}

func (p *prefixed) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, p.prefix+string(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Manager runs the dev sessions of a process. Sessions outlive the
// start_dev call that began them (the script goes on while dev runs);
// they end on Stop, on Close, or when the manager's context ends.
type Manager struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	sessions map[string]*session
	locks    map[string]*lock // by namespace, held while sessions run
}

type session struct {
	name, recordFile string
	// c, cfg and sel are what the session runs with (sel selects its pod:
	// the dev copy's when replaced), for the actions on it (Restart).
	c      *kube.Client
	cfg    Config
	sel    kube.Selector
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// NewManager returns a manager whose sessions stop when Close is called.
func NewManager() *Manager {
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{ctx: ctx, cancel: cancel, sessions: map[string]*session{}, locks: map[string]*lock{}}
}

// Start selects the pod (replacing it first when cfg changes it), opens
// the port forwards and starts the log stream, and returns once they run.
// ctx bounds only the start; the session runs until Stop or Close.
func (m *Manager) Start(ctx context.Context, c *kube.Client, cfg Config) error {
	m.Stop(cfg.Name) // a second start_dev of the same config replaces the first
	if err := m.lock(ctx, c, cfg); err != nil {
		return err
	}
	sel := cfg.Selector
	if !cfg.Changes.Empty() {
		replaced, err := replaceSelected(ctx, c, cfg)
		if err != nil {
			return err
		}
		sel = replaced
	}
	pod, err := kube.WaitPod(ctx, c, sel)
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.Log, "Selected pod %s (container %s)\n", pod.Name, pod.Container)
	if err := cfg.emitAll(ctx, "devCommand:before:sync", "devCommand:before:portForwarding"); err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(m.ctx)
	s := &session{name: cfg.Name, recordFile: cfg.RecordFile, c: c, cfg: cfg, sel: sel, cancel: cancel, done: make(chan struct{})}
	ready := make(chan error, 1)
	go s.run(sctx, c, cfg, sel, ready, m.cancel)
	select {
	case err := <-ready:
		if err != nil {
			cancel()
			<-s.done
			return err
		}
	case <-ctx.Done():
		cancel()
		<-s.done
		return ctx.Err()
	}
	m.mu.Lock()
	m.sessions[cfg.Name] = s
	m.mu.Unlock()
	if cfg.RecordFile != "" {
		if err := recordSession(cfg.RecordFile, cfg.Name, sel, pod); err != nil {
			fmt.Fprintf(cfg.Log, "warning: enter, logs and sync will not know this session's pod: %v\n", err)
		}
	}
	return cfg.emitAll(ctx, "devCommand:after:sync", "devCommand:after:portForwarding")
}

// replaceSelected replaces the workload of the selected pod, or updates
// the dev copy of the workload this dev config already replaced when the
// selector matches its pod template (no pod of the original is left to
// select then). A pod whose workload is deleted meanwhile (a dev copy
// that stop_dev just removed, whose pods still run for a moment) is
// passed over: the next pod the selector finds is taken.
func replaceSelected(ctx context.Context, c *kube.Client, cfg Config) (kube.Selector, error) {
	sel, workload, err := replace.ReplaceExisting(ctx, c, cfg.Selector, cfg.Project, cfg.Name, cfg.Changes)
	if err != nil || workload != "" {
		if err == nil {
			fmt.Fprintf(cfg.Log, "Updated the dev copy of %s\n", workload)
		}
		return sel, err
	}
	for attempt := 1; ; attempt++ {
		pod, err := kube.WaitPod(ctx, c, cfg.Selector)
		if err != nil {
			return kube.Selector{}, err
		}
		sel, err := replace.Replace(ctx, c, pod, cfg.Project, cfg.Name, cfg.Changes)
		if err == nil {
			fmt.Fprintf(cfg.Log, "Replaced the workload of pod %s with a dev copy\n", pod.Name)
		}
		if !errors.Is(err, replace.ErrGone) || attempt == 10 {
			return sel, err
		}
		if err := kube.Pause(ctx, 500*time.Millisecond); err != nil {
			return kube.Selector{}, err
		}
	}
}

// lock takes the project lock of the session's namespace once per
// process.
func (m *Manager) lock(ctx context.Context, c *kube.Client, cfg Config) error {
	ns := cfg.Selector.Namespace
	if ns == "" {
		ns = c.Namespace
	}
	m.mu.Lock()
	_, held := m.locks[ns]
	m.mu.Unlock()
	if held {
		return nil
	}
	l, err := acquireLock(ctx, c, ns, cfg.Project)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.locks[ns] = l
	m.mu.Unlock()
	return nil
}

// run owns the session's services: it returns (closing done) when they
// have all stopped.
func (s *session) run(ctx context.Context, c *kube.Client, cfg Config, sel kube.Selector, ready chan<- error, stopAll func()) {
	defer close(s.done)
	next := func(ctx context.Context) (kube.Pod, error) { return kube.WaitPod(ctx, c, sel) }
	var wg sync.WaitGroup
	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		s.err = errors.Join(s.err, err)
		mu.Unlock()
	}
	targets := append([]ContainerServices{{Services: cfg.Services}}, cfg.Containers...)
	waits := 0
	for _, t := range targets {
		waits += len(t.Syncs) + 4
	}
	// Each service says once that it started (nil) or could not.
	started := make(chan error, waits)
	for _, t := range targets {
		s.startServices(ctx, &wg, c, t, inContainer(next, t.Container), cfg, started, fail)
	}
	var startErr error
	for range waits {
		select {
		case err := <-started:
			startErr = errors.Join(startErr, err)
		case <-ctx.Done():
			startErr = ctx.Err()
		}
		if ctx.Err() != nil {
			break
		}
	}
	ready <- startErr
	if startErr == nil {
		_ = cfg.emit(ctx, "start:dev:"+cfg.Name, map[string]string{"dev_config": cfg.Name})
		defer func() {
			_ = cfg.emit(context.WithoutCancel(ctx), "stop:dev:"+cfg.Name, map[string]string{"dev_config": cfg.Name})
		}()
	}
	for _, o := range cfg.Open {
		if startErr == nil {
			wg.Go(func() { OpenWhenReady(ctx, o, cfg.Log, cfg.Browser) })
		}
	}
	if cfg.Terminal != nil && startErr == nil {
		wg.Go(func() {
			err := Terminal(ctx, c, inContainer(next, cfg.TerminalContainer), *cfg.Terminal)
			var exit *kube.ExitError
			if err != nil && !errors.As(err, &exit) {
				fail(fmt.Errorf("terminal: %w", err))
			}
			if !cfg.ContinueOnTerminalExit && ctx.Err() == nil {
				stopAll() // leaving the terminal ends dev
			}
		})
	}
	wg.Wait()
}

// inContainer makes next pick the named container of the pod (the
// selected one when name is empty).
func inContainer(next func(context.Context) (kube.Pod, error), name string) func(context.Context) (kube.Pod, error) {
	if name == "" {
		return next
	}
	return func(ctx context.Context) (kube.Pod, error) {
		p, err := next(ctx)
		p.Container = name
		return p, err
	}
}

// startServices starts one container's ports, syncs, logs and reverse
// ports, its SSH server and proxy commands; each reports on started once
// (len(Syncs)+4 reports in all).
func (s *session) startServices(ctx context.Context, wg *sync.WaitGroup, c *kube.Client, t ContainerServices, next func(context.Context) (kube.Pod, error), cfg Config, started chan<- error, fail func(error)) {
	if len(t.Ports) > 0 {
		wg.Go(func() {
			err := cfg.withEvents(ctx, "portForwarding", portsDetail(t.Ports), next, started, func(next func(context.Context) (kube.Pod, error)) error {
				return ports.Forward(ctx, c, next, t.Ports, cfg.Log, started)
			})
			if err != nil && ctx.Err() == nil {
				fail(err)
			}
		})
	} else {
		started <- nil
	}
	for _, sc := range t.Syncs {
		sc.OnInitialSync = cfg.initialSyncEvents
		sc.OnActivity = cfg.syncActivity(sc.Local + ":" + sc.Remote)
		wg.Go(func() {
			synced := make(chan error, 1)
			go func() { started <- <-synced }() // Sync reports exactly once
			err := cfg.withEvents(ctx, "sync", map[string]string{"sync_path": sc.Local + ":" + sc.Remote}, next, synced, func(next func(context.Context) (kube.Pod, error)) error {
				return filesync.Sync(ctx, c, next, sc, cfg.Log, synced)
			})
			if err != nil && ctx.Err() == nil {
				fail(fmt.Errorf("sync %s: %w", sc.Remote, err))
			}
		})
	}
	if t.Logs || cfg.wantsContainerLogs() {
		log, follow, lastLines := containerLog(cfg, t, next)
		wg.Go(func() {
			if err := StreamLogs(ctx, c, follow, lastLines, log); err != nil && ctx.Err() == nil {
				fail(err)
			}
		})
	}
	if len(t.ReversePorts) > 0 {
		wg.Go(func() {
			err := cfg.withEvents(ctx, "reversePortForwarding", portsDetail(t.ReversePorts), next, started, func(next func(context.Context) (kube.Pod, error)) error {
				return ports.ReverseForward(ctx, c, next, t.ReversePorts, t.Agent, cfg.Log, started)
			})
			if err != nil && ctx.Err() == nil {
				fail(fmt.Errorf("reverse port forwarding: %w", err))
			}
		})
	} else {
		started <- nil
	}
	s.startSSH(ctx, wg, c, t, next, cfg, started, fail)
}

// pageTail is how much of a log that only the page shows (dev.*.logs
// off) it starts with.
const pageTail = 500

// containerLog is where a container's log goes: printed with dev.*.logs,
// and as events to an observer that wants them (next then records the
// container, which names the lines); and the lines it starts with.
func containerLog(cfg Config, t ContainerServices, next func(context.Context) (kube.Pod, error)) (io.Writer, func(context.Context) (kube.Pod, error), int) {
	log, lastLines := io.Discard, pageTail
	if t.Logs {
		log, lastLines = cfg.Log, t.LastLines
		if t.Container != "" {
			log = &prefixed{w: cfg.Log, prefix: t.Container + ": "}
		}
	}
	if !cfg.wantsContainerLogs() {
		return log, next, lastLines
	}
	ev := newLogEvents(cfg, t.Container)
	return io.MultiWriter(ev, log), ev.follow(next), lastLines
}

// startSSH runs the container's SSH server and proxy commands, each
// reporting that there is none when so.
func (s *session) startSSH(ctx context.Context, wg *sync.WaitGroup, c *kube.Client, t ContainerServices, next func(context.Context) (kube.Pod, error), cfg Config, started chan<- error, fail func(error)) {
	withAgent := func(what string, on bool, serve func() error) {
		switch {
		case !on:
			started <- nil
		case t.Agent == nil:
			started <- fmt.Errorf("%s: no sync agent to run it with", what)
		default:
			wg.Go(func() {
				if err := serve(); err != nil && ctx.Err() == nil {
					fail(fmt.Errorf("%s: %w", what, err))
				}
			})
		}
	}
	withAgent("ssh", t.SSH != nil, func() error { return sshd.Serve(ctx, c, next, *t.SSH, t.Agent, cfg.Log, started) })
	withAgent("proxy commands", t.Proxy != nil, func() error {
		return proxycmd.Serve(ctx, c, next, *t.Proxy, t.Agent, cfg.Log, started)
	})
}

// Stop ends a session (if this process runs it) and waits for it.
func (m *Manager) Stop(name string) {
	m.mu.Lock()
	s := m.sessions[name]
	delete(m.sessions, name)
	m.mu.Unlock()
	if s != nil {
		s.forget()
		s.cancel()
		<-s.done
	}
}

// forget removes the session's record (best effort: a record left
// behind names a process that is gone, and is ignored).
func (s *session) forget() {
	if s.recordFile != "" {
		_ = forgetSession(s.recordFile, s.name)
	}
}

// Wait blocks while sessions run: until all have ended (their errors
// joined), or ctx ends, which stops them all.
func (m *Manager) Wait(ctx context.Context) error {
	m.mu.Lock()
	list := make([]*session, 0, len(m.sessions))
	for _, s := range m.sessions {
		list = append(list, s)
	}
	m.mu.Unlock()
	var errs []error
	for _, s := range list {
		select {
		case <-s.done:
			errs = append(errs, s.err)
		case <-ctx.Done():
			m.Close()
			return ctx.Err()
		}
	}
	return errors.Join(errs...)
}

// Close stops every session and releases the project locks first (a
// session slow to stop must not keep the project locked), then waits at
// most 5 s for the sessions.
func (m *Manager) Close() {
	m.cancel()
	m.mu.Lock()
	list, locks := m.sessions, m.locks
	m.sessions, m.locks = map[string]*session{}, map[string]*lock{}
	m.mu.Unlock()
	for _, s := range list {
		s.forget()
	}
	for _, l := range locks {
		l.release()
	}
	deadline := time.After(5 * time.Second)
	for _, s := range list {
		select {
		case <-s.done:
		case <-deadline:
			return
		}
	}
}
