package dev

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/devspace-engine/devspace/dev/filesync"
	"github.com/devspace-engine/devspace/kube"
)

// actionPodWait bounds the wait for a session's pod in an action.
const actionPodWait = 30 * time.Second

// running is the session of dev config name this process runs.
func (m *Manager) running(name string) (*session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s := m.sessions[name]; s != nil {
		return s, nil
	}
	return nil, fmt.Errorf("dev %s: no session of it runs in this process (start_dev starts one)", name)
}

// Restart runs the process of the session's container again through the
// restart helper, as `devspace restart` does on its pod, and says so on
// the session's log as that command does. The containers are those whose
// syncs have the helper (startContainer, onUpload.restartContainer), else
// the selected one, which is then refused with the helper's advice.
func (m *Manager) Restart(ctx context.Context, name string) error {
	s, err := m.running(name)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, actionPodWait)
	defer cancel()
	pod, err := kube.WaitPod(ctx, s.c, s.sel)
	if err != nil {
		return fmt.Errorf("dev %s: %w", name, err)
	}
	var errs []error
	for _, container := range s.cfg.helperContainers(pod.Container) {
		p := pod
		p.Container = container
		started, err := RestartProcess(ctx, s.c, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("dev %s: %w", name, err))
			continue
		}
		fmt.Fprintln(s.cfg.Log, Restarted(p, started))
	}
	return errors.Join(errs...)
}

// helperContainers are the containers the restart helper runs in (their
// syncs need it), else selected.
func (cfg Config) helperContainers(selected string) []string {
	var out []string
	for _, t := range append([]ContainerServices{{Container: selected, Services: cfg.Services}}, cfg.Containers...) {
		if slices.ContainsFunc(t.Syncs, func(sc filesync.SyncConfig) bool { return sc.RestartContainer || sc.StartContainer }) && !slices.Contains(out, t.Container) {
			out = append(out, t.Container)
		}
	}
	if len(out) == 0 {
		out = []string{selected}
	}
	return out
}

// OpenPort waits (until ctx ends) for the forwarded local port of the
// session to answer HTTP, says "Open URL" on the session's log as
// dev.*.open does, and returns the URL; the caller opens it (the page,
// in its browser). A port the session does not forward is refused.
func (m *Manager) OpenPort(ctx context.Context, name string, local int) (string, error) {
	s, err := m.running(name)
	if err != nil {
		return "", err
	}
	if !s.cfg.forwards(local) {
		return "", fmt.Errorf("dev %s forwards no local port %d", name, local)
	}
	url := fmt.Sprintf("http://localhost:%d/", local)
	if !waitAnswer(ctx, url) {
		return "", fmt.Errorf("dev %s: %s does not answer: is the application listening on the forwarded port in the container?", name, url)
	}
	fmt.Fprintf(s.cfg.Log, "Open %s\n", url)
	return url, nil
}

func (cfg Config) forwards(local int) bool {
	for _, t := range append([]ContainerServices{{Services: cfg.Services}}, cfg.Containers...) {
		for _, p := range t.Ports {
			if p.Local == local {
				return true
			}
		}
	}
	return false
}
