package deploy

import (
	"context"
	"errors"
	"strconv"

	"github.com/devspace-engine/devspace/rollout"
)

// errUnchanged is what a kind's deploy returns when it skipped a
// deployment because nothing changed; Deploy reports it as skip:deploy:NAME
// and not as a failure.
var errUnchanged = errors.New("deployment unchanged")

// emit reports an event to the hooks.
func (d *Deployer) emit(ctx context.Context, event string, data map[string]string) error {
	if d.Events == nil {
		return nil
	}
	return d.Events.Emit(ctx, event, data)
}

// withEvents runs do, one deployment's deploy, render or purge (phase),
// between its before:PHASE:NAME and after:PHASE:NAME events; skip:…
// when it was unchanged, error:… (which only warns) when it failed for
// itself rather than because the call was cancelled.
func (d *Deployer) withEvents(ctx context.Context, phase, name string, do func() error) error {
	data := map[string]string{"deploy_name": name}
	if err := d.emit(ctx, "before:"+phase+":"+name, data); err != nil {
		return err
	}
	err := do()
	switch {
	case errors.Is(err, errUnchanged):
		return d.emit(ctx, "skip:"+phase+":"+name, data)
	case err != nil:
		if ctx.Err() == nil {
			_ = d.emit(ctx, "error:"+phase+":"+name, map[string]string{"deploy_name": name, "error": err.Error()})
		}
		return err
	}
	return d.emit(ctx, "after:"+phase+":"+name, data)
}

// emitReadiness reports, per deployment waited for, ready:deploy:NAME
// with ready (true or false) and, when not, the reason of its first
// failing workload ("KIND/NAME: …"). No hook can name the event: it is
// for observers such as `devspace ui`.
func (d *Deployer) emitReadiness(ctx context.Context, names []string, results []rollout.Result) {
	for _, name := range names {
		ready, reason := true, ""
		for _, r := range results {
			if r.Deployment != name || r.Ready {
				continue
			}
			ready = false
			if r.Failure != nil {
				reason = r.Kind + "/" + r.Name + ": " + r.Failure.String()
				break
			}
			reason = r.Kind + "/" + r.Name + ": stopped waiting (another workload failed)"
		}
		_ = d.emit(ctx, "ready:deploy:"+name, map[string]string{"deploy_name": name, "ready": strconv.FormatBool(ready), "reason": reason})
	}
}
