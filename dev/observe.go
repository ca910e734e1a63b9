package dev

import (
	"context"
	"strconv"
	"sync"

	"github.com/devspace-engine/devspace/dev/filesync"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/linesplit"
)

// The events of this file are for observers (devspace ui), not hooks: no
// hook can name them (hook.Known). They are:
//
//	start:dev:NAME, stop:dev:NAME    the session runs, and has ended
//	log:dev:NAME                     a line of a container's log (container, line)
//	changes:sync:NAME                what one batch of a sync moved (sync_path, up_*, down_*, conflicts, …)

// ContainerLogsObserver is an engine.Events that shows containers' logs
// (devspace ui): a session whose events go to one streams the log of
// each of its containers as log:dev:NAME events, also when dev.*.logs
// does not print it.
type ContainerLogsObserver interface {
	WantsContainerLogs() bool
}

func (cfg Config) wantsContainerLogs() bool {
	o, ok := cfg.Events.(ContainerLogsObserver)
	return ok && o.WantsContainerLogs()
}

// maxEventLine bounds a log line sent as an event: a log without
// newlines (a binary dump) must not become one huge event.
const maxEventLine = 4 << 10

// logEvents reports each whole line written to it as log:dev:NAME.
type logEvents struct {
	cfg       Config
	mu        sync.Mutex
	container string
	lines     *linesplit.Writer
}

func newLogEvents(cfg Config, container string) *logEvents {
	l := &logEvents{cfg: cfg, container: container}
	l.lines = linesplit.New(maxEventLine, l.emit)
	return l
}

// follow makes next record the container it picks, which names the
// lines.
func (l *logEvents) follow(next func(context.Context) (kube.Pod, error)) func(context.Context) (kube.Pod, error) {
	return func(ctx context.Context) (kube.Pod, error) {
		p, err := next(ctx)
		if err == nil {
			l.mu.Lock()
			l.container = p.Container
			l.mu.Unlock()
		}
		return p, err
	}
}

func (l *logEvents) Write(p []byte) (int, error) { return l.lines.Write(p) }

func (l *logEvents) emit(line string) {
	l.mu.Lock()
	container := l.container
	l.mu.Unlock()
	_ = l.cfg.emit(context.Background(), "log:dev:"+l.cfg.Name, map[string]string{"dev_config": l.cfg.Name, "container": container, "line": line})
}

// syncActivity reports one batch of a sync as changes:sync:NAME.
func (cfg Config) syncActivity(path string) func(context.Context, filesync.Activity) {
	return func(ctx context.Context, a filesync.Activity) {
		data := map[string]string{"dev_config": cfg.Name, "sync_path": path,
			"conflicts": strconv.Itoa(a.Conflicts), "conflict": a.LastConflict,
			"failed": strconv.Itoa(a.Failed), "failure": a.LastFailure}
		if a.Initial {
			data["initial"] = "true"
		}
		for dir, t := range map[string]filesync.Transfer{"up": a.Up, "down": a.Down} {
			data[dir+"_files"] = strconv.Itoa(t.Files)
			data[dir+"_removed"] = strconv.Itoa(t.Removed)
			data[dir+"_bytes"] = strconv.FormatInt(t.Bytes, 10)
			data[dir+"_last"] = t.Last
		}
		_ = cfg.emit(ctx, "changes:sync:"+cfg.Name, data)
	}
}
