package dev

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/devspace-engine/devspace/dev/ports"
	"github.com/devspace-engine/devspace/kube"
)

// stopEventDeadline bounds the hooks on a service's stop event, which run
// after the session's context ended.
const stopEventDeadline = 3 * time.Second

// emit reports an event of the session to the hooks.
func (cfg Config) emit(ctx context.Context, event string, data map[string]string) error {
	if cfg.Events == nil {
		return nil
	}
	return cfg.Events.Emit(ctx, event, data)
}

// emitAll reports events in order, stopping at the first that fails.
func (cfg Config) emitAll(ctx context.Context, events ...string) error {
	for _, ev := range events {
		if err := cfg.emit(ctx, ev, map[string]string{"dev_config": cfg.Name}); err != nil {
			return err
		}
	}
	return nil
}

// withEvents runs a service of the session (kind is sync, portForwarding
// or reversePortForwarding) between start:KIND:NAME and stop:KIND:NAME,
// NAME being the dev config's: restart:… each time it follows a new pod,
// error:… when it fails. A failing start hook keeps the service from
// starting and is reported on started; the others only warn. details
// join the events' data (the forwarded ports, for observers).
func (cfg Config) withEvents(ctx context.Context, kind string, details map[string]string, next func(context.Context) (kube.Pod, error), started chan<- error,
	run func(next func(context.Context) (kube.Pod, error)) error) error {
	event := func(phase string) string { return phase + ":" + kind + ":" + cfg.Name }
	data := map[string]string{"dev_config": cfg.Name}
	maps.Copy(data, details)
	if err := cfg.emit(ctx, event("start"), data); err != nil {
		started <- err
		return err
	}
	var pods atomic.Int32
	followed := func(ctx context.Context) (kube.Pod, error) {
		if pods.Add(1) > 1 {
			_ = cfg.emit(ctx, event("restart"), data)
		}
		return next(ctx)
	}
	err := run(followed)
	if err != nil && ctx.Err() == nil {
		_ = cfg.emit(ctx, event("error"), map[string]string{"dev_config": cfg.Name, "error": err.Error()})
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopEventDeadline)
	defer cancel()
	_ = cfg.emit(stopCtx, event("stop"), data)
	return err
}

// initialSyncEvents reports a sync's initial sync as
// before:initialSync:NAME, then after:… or error:….
func (cfg Config) initialSyncEvents(ctx context.Context, phase string, err error) error {
	data := map[string]string{"dev_config": cfg.Name}
	if err != nil {
		data["error"] = err.Error()
	}
	return cfg.emit(ctx, phase+":initialSync:"+cfg.Name, data)
}

// portsDetail lists forwarded ports as "ports": LOCAL:REMOTE pairs,
// comma-separated, for the events.
func portsDetail(ms []ports.PortMapping) map[string]string {
	pairs := make([]string, 0, len(ms))
	for _, m := range ms {
		pairs = append(pairs, strconv.Itoa(m.Local)+":"+strconv.Itoa(m.Remote))
	}
	return map[string]string{"ports": strings.Join(pairs, ",")}
}
