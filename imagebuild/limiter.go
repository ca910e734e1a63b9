package imagebuild

import (
	"context"
	"runtime"
)

// Limiter is the process-wide build budget: at most Limit builders run at
// once across every Schedule call that shares it. Create one per process and
// pass it to every build_images call, including those of dependency
// pipelines, so that one bound holds for all of them.
type Limiter struct {
	slots chan struct{}
	// parent, when set, is the process-wide limiter this one lives in:
	// every slot here also holds one there.
	parent *Limiter
}

// DefaultLimit is the bound used when none is configured: the number of
// CPUs, at least 2.
func DefaultLimit() int { return max(2, runtime.NumCPU()) }

// NewLimiter returns a Limiter for n concurrent builds; n <= 0 means
// DefaultLimit. It is never unbounded.
func NewLimiter(n int) *Limiter {
	if n <= 0 {
		n = DefaultLimit()
	}
	return &Limiter{slots: make(chan struct{}, n)}
}

// Sub returns a limiter for at most n concurrent builds (n <= 0: no bound
// of its own) that also holds a slot of l for each: a per-call bound
// (build_images --max-concurrent) inside the process-wide one, which
// must keep holding for all calls together.
func (l *Limiter) Sub(n int) *Limiter {
	if n <= 0 || n >= l.Limit() {
		return l
	}
	return &Limiter{slots: make(chan struct{}, n), parent: l}
}

// Limit returns the bound.
func (l *Limiter) Limit() int {
	if l.parent != nil {
		return min(cap(l.slots), l.parent.Limit())
	}
	return cap(l.slots)
}

// acquire takes a slot (here, then in the parent), or fails when ctx is
// done first.
func (l *Limiter) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	err := ctx.Err()
	if err == nil && l.parent != nil {
		err = l.parent.acquire(ctx)
	}
	if err != nil {
		<-l.slots
	}
	return err
}

func (l *Limiter) release() {
	if l.parent != nil {
		l.parent.release()
	}
	<-l.slots
}
