package buildimages

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"time"

	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/linesplit"
)

// emit reports an event of the call to the hooks (with the image's name,
// repository and tags when it is about one image, as DevSpace gives them).
// An image's events also say what observers such as `devspace ui` show:
// the project images it builds FROM (bases, a JSON list), the decision
// (reason) and, once it ran, duration_ms, log_file, context_bytes (the
// build context the builder sent, when it counts it) and error (extra).
func (r *buildRun) emit(ctx context.Context, event string, req *imagebuild.Request, extra ...string) error {
	if r.opts.Events == nil || r.opts.Explain {
		return nil
	}
	var data map[string]string
	if req != nil {
		tags, _ := json.Marshal(req.Tags)
		data = map[string]string{"image_config_name": req.Name, "image_name": req.Image, "image_tags": string(tags)}
		bases, _ := json.Marshal(r.bases[req.Name])
		data["bases"] = string(bases)
		if reason, ok := r.reasons[req.Name]; ok {
			data["reason"] = reason
		}
		for i := 0; i+1 < len(extra); i += 2 {
			data[extra[i]] = extra[i+1]
		}
	}
	return r.opts.Events.Emit(ctx, event, data)
}

// withEvents wraps a builder in the events of each image's build:
// before:build:NAME (its failure fails the image), then after:build:NAME,
// or error:build:NAME when the build failed for itself (not because the
// call was cancelled).
func (r *buildRun) withEvents(b imagebuild.Builder) imagebuild.Builder {
	return imagebuild.BuilderFunc(func(ctx context.Context, req imagebuild.Request) (imagebuild.Result, error) {
		if err := r.emit(ctx, "before:build:"+req.Name, &req); err != nil {
			return imagebuild.Result{}, err
		}
		start := time.Now()
		res, err := b.Build(ctx, req)
		ran := []string{"duration_ms", strconv.FormatInt(time.Since(start).Milliseconds(), 10),
			"log_file", filepath.Join(imagebuild.LogDir(r.opts.Config.Path), imagebuild.LogFileName(req.Name))}
		if n, ok := req.Sent.Bytes(); ok {
			ran = append(ran, "context_bytes", strconv.FormatInt(n, 10))
		}
		if err != nil {
			if ctx.Err() == nil {
				_ = r.emit(ctx, "error:build:"+req.Name, &req, append(ran, "error", err.Error())...) // error hooks only warn
			}
			return res, err
		}
		return res, r.emit(ctx, "after:build:"+req.Name, &req, ran...)
	})
}

// skipped reports an image that needs no build: before:build:NAME, then
// skip:build:NAME, as DevSpace does.
func (r *buildRun) skipped(ctx context.Context, req imagebuild.Request) error {
	if err := r.emit(ctx, "before:build:"+req.Name, &req); err != nil {
		return err
	}
	return r.emit(ctx, "skip:build:"+req.Name, &req)
}

// lineEvents reports each whole line an image's log receives as
// log:build:NAME (line), for observers such as `devspace ui`, which show
// a build's log as it runs. No hook can name the event. Lines are cut at
// maxEventLine; the log file keeps them whole.
func lineEvents(events engine.Events, name string) *linesplit.Writer {
	return linesplit.New(maxEventLine, func(line string) {
		_ = events.Emit(context.Background(), "log:build:"+name, map[string]string{"line": line})
	})
}

// maxEventLine bounds a line reported, and what is held waiting for its
// newline.
const maxEventLine = 4 << 10

// withLineEvents is log, and, when the call has events, each line of it
// reported as log:build:NAME.
func (r *buildRun) withLineEvents(name string, log LineWriter) LineWriter {
	if r.opts.Events == nil || r.opts.Explain {
		return log
	}
	return teeLines{log, lineEvents(r.opts.Events, name)}
}

type teeLines struct {
	out    LineWriter
	events *linesplit.Writer
}

func (t teeLines) Write(p []byte) (int, error) {
	_, _ = t.events.Write(p)
	return t.out.Write(p)
}

func (t teeLines) Flush() error {
	t.events.Flush()
	return t.out.Flush()
}
