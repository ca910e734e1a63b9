package engine

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/devspace-engine/devspace/config"
)

// jobSeq numbers the pipeline jobs of the whole process (every engine,
// dependencies' too), so that an observer of the events can tell them
// apart and nest them.
var jobSeq atomic.Int64

type jobKey struct{}

// JobID is the id of the pipeline job ctx runs in ("" outside any): the
// events a builtin emits carry its caller's ctx, so an observer can put
// them under the pipeline that caused them.
func JobID(ctx context.Context) string {
	id, _ := ctx.Value(jobKey{}).(string)
	return id
}

// WithJobID is ctx inside job id: what the engine gives a pipeline's
// builtins, and what a test of an observer gives its events.
func WithJobID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, jobKey{}, id)
}

// jobEvents reports a pipeline's run as start:pipeline:NAME and
// end:pipeline:NAME (no hook can name these: they are for observers such
// as `devspace ui`). start returns the context the job runs in, carrying
// its id; end reports how it ended.
func (e *Engine) jobEvents(ctx context.Context, p *config.Pipeline) (context.Context, func(error), error) {
	id := strconv.FormatInt(jobSeq.Add(1), 10)
	data := map[string]string{"job": id, "parent": JobID(ctx), "pipeline": p.Name}
	if e.config != nil {
		data["project"] = e.config.Name
	}
	if err := e.events.Emit(ctx, "start:pipeline:"+p.Name, data); err != nil {
		return ctx, nil, err
	}
	start := time.Now()
	ctx = WithJobID(ctx, id)
	return ctx, func(err error) {
		end := map[string]string{"job": id, "pipeline": p.Name, "duration_ms": strconv.FormatInt(time.Since(start).Milliseconds(), 10)}
		if err != nil {
			end["error"] = err.Error()
		}
		_ = e.events.Emit(context.WithoutCancel(ctx), "end:pipeline:"+p.Name, end)
	}, nil
}
