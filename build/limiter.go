package build

import (
	"context"
	goruntime "runtime"
)

// Limiter is the process-wide build budget: at most Limit builders run at
// once across every Schedule call that shares it. Create one per process and
// pass it to every build_images call, including those of dependency
// pipelines, so that one bound holds for all of them.
type Limiter struct {
	slots chan struct{}
}

// DefaultLimit is the bound used when none is configured: the number of
// CPUs, at least 2.
func DefaultLimit() int { return max(2, goruntime.NumCPU()) }

// NewLimiter returns a Limiter for n concurrent builds; n <= 0 means
// DefaultLimit. It is never unbounded.
func NewLimiter(n int) *Limiter {
	if n <= 0 {
		n = DefaultLimit()
	}
	return &Limiter{slots: make(chan struct{}, n)}
}

// Limit returns the bound.
func (l *Limiter) Limit() int { return cap(l.slots) }

// acquire takes a slot, or fails when ctx is done first.
func (l *Limiter) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		if err := ctx.Err(); err != nil {
			<-l.slots
			return err
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *Limiter) release() { <-l.slots }
