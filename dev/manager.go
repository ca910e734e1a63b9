package dev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/devspace-engine/devspace/kube"
)

// Config is one dev config ready to run.
type Config struct {
	Name, Project string
	Selector      Selector
	// Changes replace the pod when not empty.
	Changes   PodChanges
	Ports     []PortMapping
	Logs      bool
	LastLines int
	Syncs     []SyncConfig
	// Terminal, when set, opens a shell once the session runs; when it
	// exits, dev stops unless ContinueOnTerminalExit.
	Terminal               *TerminalConfig
	ContinueOnTerminalExit bool
	// Open are URLs announced (and, with Browser, opened) once they answer.
	Open    []OpenConfig
	Browser bool
	// ReversePorts make container ports reach this machine, through
	// Agent (the sync agent, copied into the container).
	ReversePorts []PortMapping
	Agent        *Agent
	// Log receives the session's messages and the container's log.
	Log io.Writer
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
		pod, err := WaitPod(ctx, c, sel)
		if err != nil {
			return err
		}
		if sel, err = Replace(ctx, c, pod, cfg.Project, cfg.Name, cfg.Changes); err != nil {
			return err
		}
		fmt.Fprintf(cfg.Log, "Replaced the workload of pod %s with a dev copy\n", pod.Name)
	}
	pod, err := WaitPod(ctx, c, sel)
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.Log, "Selected pod %s (container %s)\n", pod.Name, pod.Container)
	sctx, cancel := context.WithCancel(m.ctx)
	s := &session{cancel: cancel, done: make(chan struct{})}
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
	return nil
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
func (s *session) run(ctx context.Context, c *kube.Client, cfg Config, sel Selector, ready chan<- error, stopAll func()) {
	defer close(s.done)
	next := func(ctx context.Context) (Pod, error) { return WaitPod(ctx, c, sel) }
	var wg sync.WaitGroup
	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		s.err = errors.Join(s.err, err)
		mu.Unlock()
	}
	// Each service says once that it started (nil) or could not.
	started := make(chan error, len(cfg.Syncs)+2)
	if len(cfg.Ports) > 0 {
		wg.Go(func() {
			if err := Forward(ctx, c, next, cfg.Ports, cfg.Log, started); err != nil && ctx.Err() == nil {
				fail(err)
			}
		})
	} else {
		started <- nil
	}
	for _, sc := range cfg.Syncs {
		wg.Go(func() {
			synced := make(chan error, 1)
			go func() { started <- <-synced }() // Sync reports exactly once
			if err := Sync(ctx, c, next, sc, cfg.Log, synced); err != nil && ctx.Err() == nil {
				fail(fmt.Errorf("sync %s: %w", sc.Remote, err))
			}
		})
	}
	if cfg.Logs {
		wg.Go(func() {
			if err := StreamLogs(ctx, c, next, cfg.LastLines, cfg.Log); err != nil && ctx.Err() == nil {
				fail(err)
			}
		})
	}
	var startErr error
	if len(cfg.ReversePorts) > 0 {
		wg.Go(func() {
			if err := ReverseForward(ctx, c, next, cfg.ReversePorts, cfg.Agent, cfg.Log, started); err != nil && ctx.Err() == nil {
				fail(fmt.Errorf("reverse port forwarding: %w", err))
			}
		})
	} else {
		started <- nil
	}
	for range len(cfg.Syncs) + 2 {
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
	for _, o := range cfg.Open {
		if startErr == nil {
			wg.Go(func() { OpenWhenReady(ctx, o, cfg.Log, cfg.Browser) })
		}
	}
	if cfg.Terminal != nil && startErr == nil {
		wg.Go(func() {
			err := Terminal(ctx, c, next, *cfg.Terminal)
			var exit *ExitError
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

// Stop ends a session (if this process runs it) and waits for it.
func (m *Manager) Stop(name string) {
	m.mu.Lock()
	s := m.sessions[name]
	delete(m.sessions, name)
	m.mu.Unlock()
	if s != nil {
		s.cancel()
		<-s.done
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
