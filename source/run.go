package source

import (
	"context"
	"sync"

	"github.com/sourcegraph/conc/pool"
)

// Run remembers, for one run of devspace, which cached clones it has
// brought up to date, so that a repository named by several imports or
// dependencies is fetched once per run however many ask, and callers that
// ask while it is being fetched wait for that fetch instead of starting
// their own. The process has one (a devspace command is one run);
// WithRun gives a part of a process a fresh one.
type Run struct {
	mu      sync.Mutex
	entries map[string]*pending
}

// pending is one cache entry's fetch (or clone) in a run.
type pending struct {
	done chan struct{}
	err  error // valid once done is closed
}

// NewRun returns a run that has fetched nothing yet.
func NewRun() *Run { return &Run{entries: map[string]*pending{}} }

type runKey struct{}

// WithRun makes Resolve under the returned context remember its fetches
// in r rather than in the process's run.
func WithRun(ctx context.Context, r *Run) context.Context {
	return context.WithValue(ctx, runKey{}, r)
}

// processRun is the run of a process that set none.
var processRun = NewRun()

func runOf(ctx context.Context) *Run {
	if r, ok := ctx.Value(runKey{}).(*Run); ok {
		return r
	}
	return processRun
}

// once runs fetch for the cache entry key once in the run. A caller that
// finds it running waits for it (or for its own ctx); a fetch cut short by
// its caller's cancellation is forgotten, so a caller whose ctx is alive
// runs it again. Other failures are remembered: the run does not ask the
// network twice for a repository that failed.
func (r *Run) once(ctx context.Context, key string, fetch func() error) error {
	for {
		r.mu.Lock()
		u, ok := r.entries[key]
		if !ok {
			u = &pending{done: make(chan struct{})}
			r.entries[key] = u
		}
		r.mu.Unlock()
		if !ok {
			u.err = fetch()
			if u.err != nil && ctx.Err() != nil {
				r.forget(key, u)
			}
			close(u.done)
			return u.err
		}
		select {
		case <-u.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !r.forgotten(key, u) {
			return u.err
		}
	}
}

// done records that the entry key is up to date without a fetch (a fresh
// clone), unless the run has already seen to it.
func (r *Run) done(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.entries[key]; !ok {
		u := &pending{done: make(chan struct{})}
		close(u.done)
		r.entries[key] = u
	}
}

func (r *Run) forget(key string, u *pending) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.entries[key] == u {
		delete(r.entries, key)
	}
}

func (r *Run) forgotten(key string, u *pending) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.entries[key] != u
}

// prefetchLimit bounds the git processes Prefetch runs at once.
const prefetchLimit = 8

// Prefetch brings the git sources among specs up to date at once (each
// repository once), so that a caller resolving them one by one afterwards
// waits for the slowest instead of the sum. Errors are remembered by the
// run and returned by the Resolve that needs the source, where the caller
// can say which entry it was.
func Prefetch(ctx context.Context, specs []Spec) {
	p := pool.New().WithMaxGoroutines(prefetchLimit)
	for _, spec := range specs {
		if spec.Git == "" || spec.Path != "" {
			continue
		}
		p.Go(func() { _, _ = checkout(ctx, spec) })
	}
	p.Wait()
}
