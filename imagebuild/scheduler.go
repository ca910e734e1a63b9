package imagebuild

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Status is how an image's build ended.
type Status string

// The statuses of an Outcome.
const (
	// StatusBuilt: the builder succeeded.
	StatusBuilt Status = "built"
	// StatusShared: an earlier request with the same key and the same
	// image, tags and push built it; Result is that build's.
	StatusShared Status = "shared"
	// StatusFailed: the builder (or the shared build) failed.
	StatusFailed Status = "failed"
	// StatusCancelled: stopped or never started because another image
	// failed or the caller's context ended.
	StatusCancelled Status = "cancelled"
)

// Outcome is the end of one request's build.
type Outcome struct {
	Request Request
	Status  Status
	Result  Result
	// Err names the image; nil when built or shared successfully.
	Err error
	// SharedWith names the request whose build this one reused.
	SharedWith string
	// Duration is the builder's run time, without waiting for a slot.
	Duration time.Duration
	// LogTail is the end of the build output, to print after a failure.
	LogTail []string
	// LogFile is the complete log ("" without ScheduleOptions.LogDir);
	// LogErr says why it could not be written.
	LogFile string
	LogErr  error
}

// ScheduleOptions are the per-call settings of Schedule.
type ScheduleOptions struct {
	// Limiter bounds concurrent builds; share one per process. nil means
	// a new one with DefaultLimit, for this call only.
	Limiter *Limiter
	// ClusterLimiter bounds concurrent builds in the cluster (kaniko
	// pods, a buildkitd pod), which use the cluster's CPUs, not this
	// machine's; nil puts them under Limiter too.
	ClusterLimiter *Limiter
	// Sequential builds one image at a time, in the order given.
	Sequential bool
	// KeepGoing lets the other images finish when one fails; otherwise
	// the first failure cancels them.
	KeepGoing bool
	// LogDir receives each image's full log as LogFileName(name).
	LogDir string
	// TailLines is how many lines LogTail keeps; 0 means DefaultTailLines.
	TailLines int
	// OnDone, when set, is called as each image finishes (one call at a
	// time), e.g. to record successes in the cache right away.
	OnDone func(Outcome)
	// Deps[i] lists the requests (by index, all before i) that request i
	// builds on: it starts only when they are built, without holding a
	// slot while it waits, and is cancelled when one of them fails.
	Deps [][]int
	// Await[i] lists builds outside this call (another project's image
	// that request i builds FROM) that request i waits for in the same
	// way; it fails when one of them was not built.
	Await [][]*Announced
}

// Schedule builds reqs with b: concurrently under the limiter (or one at a
// time with Sequential), each request with the same key as an earlier one
// waiting for it (and reusing its result when image, tags and push match
// too). The first failure cancels the others unless KeepGoing. Outcomes are
// in request order; the error joins the failures, or is the context's error
// when the caller cancelled. Every goroutine has ended when Schedule returns.
func Schedule(ctx context.Context, reqs []Request, b Builder, opts ScheduleOptions) ([]Outcome, error) {
	if opts.Limiter == nil {
		opts.Limiter = NewLimiter(0)
	}
	if opts.TailLines == 0 {
		opts.TailLines = DefaultTailLines
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	s := &scheduler{ctx: runCtx, cancel: cancel, b: b, opts: opts, reqs: reqs,
		outcomes: make([]Outcome, len(reqs)), done: make([]chan struct{}, len(reqs)), leader: leaders(reqs)}
	for i := range reqs {
		s.done[i] = make(chan struct{})
	}
	if opts.Sequential {
		for i := range reqs {
			s.run(i)
		}
	} else {
		s.runParallel()
	}
	var errs []error
	for _, o := range s.outcomes {
		if o.Status == StatusFailed {
			errs = append(errs, o.Err)
		}
	}
	if len(errs) == 0 && ctx.Err() != nil {
		return s.outcomes, fmt.Errorf("build images: %w", context.Cause(ctx))
	}
	return s.outcomes, errors.Join(errs...)
}

// leaders maps each request to the first earlier request with the same key,
// or -1.
func leaders(reqs []Request) []int {
	first := map[string]int{}
	out := make([]int, len(reqs))
	for i, r := range reqs {
		out[i] = -1
		if r.Key == "" {
			continue
		}
		if l, ok := first[r.Key]; ok {
			out[i] = l
		} else {
			first[r.Key] = i
		}
	}
	return out
}

type scheduler struct {
	ctx      context.Context
	cancel   context.CancelCauseFunc
	b        Builder
	opts     ScheduleOptions
	reqs     []Request
	outcomes []Outcome
	done     []chan struct{} // closed when outcomes[i] is final
	leader   []int
	notifyMu sync.Mutex
}

// runParallel starts the requests in order, each as soon as a slot is
// free (a request waiting for an earlier one with the same key does not
// hold a slot), and waits for all. A panic in a builder cancels the others
// and is re-raised here.
func (s *scheduler) runParallel() {
	var wg sync.WaitGroup
	var panicMu sync.Mutex
	var panicked any
	spawn := func(i int, fn func()) {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					s.cancel(fmt.Errorf("image %q: builder panicked", s.reqs[i].Name))
					panicMu.Lock()
					panicked = cmp.Or(panicked, p)
					panicMu.Unlock()
				}
			}()
			fn()
		})
	}
	for i := range s.reqs {
		if s.leader[i] >= 0 || len(s.deps(i)) > 0 || len(s.awaits(i)) > 0 {
			spawn(i, func() { s.run(i) })
			continue
		}
		if err := s.limiter(i).acquire(s.ctx); err != nil {
			s.outcomes[i].Request = s.reqs[i]
			s.cancelled(&s.outcomes[i], err)
			close(s.done[i])
			continue
		}
		spawn(i, func() { s.runHolding(i) })
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
}

// limiter is the bound request i builds under.
func (s *scheduler) limiter(i int) *Limiter {
	if s.opts.ClusterLimiter != nil && s.reqs[i].InCluster() {
		return s.opts.ClusterLimiter
	}
	return s.opts.Limiter
}

func (s *scheduler) deps(i int) []int {
	if i < len(s.opts.Deps) {
		return s.opts.Deps[i]
	}
	return nil
}

func (s *scheduler) awaits(i int) []*Announced {
	if i < len(s.opts.Await) {
		return s.opts.Await[i]
	}
	return nil
}

// run waits for the request's bases and its leader, if any, and shares
// the leader's result or builds under a slot of its own.
func (s *scheduler) run(i int) {
	o := &s.outcomes[i]
	o.Request = s.reqs[i]
	if !s.basesBuilt(i) || !s.othersBuilt(i) {
		close(s.done[i])
		s.notify(*o)
		return
	}
	if l := s.leader[i]; l >= 0 {
		select {
		case <-s.done[l]:
		case <-s.ctx.Done():
		}
		if s.ctx.Err() == nil && s.share(o, s.outcomes[l]) {
			defer close(s.done[i])
			s.notify(*o)
			return
		}
	}
	if err := s.limiter(i).acquire(s.ctx); err != nil {
		defer close(s.done[i])
		s.cancelled(o, err)
		return
	}
	s.runHolding(i)
}

// runHolding builds request i with a slot already taken, and releases it.
func (s *scheduler) runHolding(i int) {
	defer close(s.done[i])
	o := &s.outcomes[i]
	o.Request = s.reqs[i]
	func() {
		defer s.limiter(i).release()
		s.build(o)
	}()
	s.notify(*o)
}

// share gives o the leader's result when both build the same refs.
func (s *scheduler) share(o *Outcome, leader Outcome) bool {
	r, l := o.Request, leader.Request
	if r.Image != l.Image || r.Push != l.Push || !slices.Equal(r.Tags, l.Tags) {
		return false
	}
	o.SharedWith, o.Result = l.Name, leader.Result
	switch leader.Status {
	case StatusBuilt, StatusShared:
		o.Status = StatusShared
	case StatusFailed:
		o.Status, o.Err = StatusFailed, fmt.Errorf("build image %q: same build as %q: %w", r.Name, l.Name, leader.Err)
	default:
		return false
	}
	return true
}

// basesBuilt waits for request i's bases; when one did not build, it
// marks i cancelled (naming the base) and returns false.
func (s *scheduler) basesBuilt(i int) bool {
	o := &s.outcomes[i]
	for _, d := range s.deps(i) {
		select {
		case <-s.done[d]:
		case <-s.ctx.Done():
			s.cancelled(o, s.ctx.Err())
			return false
		}
		if st := s.outcomes[d].Status; st != StatusBuilt && st != StatusShared {
			o.Status = StatusCancelled
			o.Err = fmt.Errorf("build image %q: not started: its base image %q was not built (%s)", o.Request.Name, s.reqs[d].Name, st)
			return false
		}
	}
	return true
}

// othersBuilt waits for the builds outside this call that request i
// builds on; when one did not build, it marks i failed (naming its
// reference: no failure of this call explains it), which stops the others
// as a failed build does, and returns false.
func (s *scheduler) othersBuilt(i int) bool {
	o := &s.outcomes[i]
	for _, a := range s.awaits(i) {
		if err := a.Built(s.ctx); err != nil {
			if s.ctx.Err() != nil {
				s.cancelled(o, err)
				return false
			}
			o.Status = StatusFailed
			o.Err = fmt.Errorf("build image %q: not started: its base image %s: %w", o.Request.Name, a.Ref, err)
			if !s.opts.KeepGoing {
				s.cancel(siblingFailed{o.Request.Name})
			}
			return false
		}
	}
	return true
}

func (s *scheduler) cancelled(o *Outcome, err error) {
	o.Status = StatusCancelled
	o.Err = fmt.Errorf("build image %q: not started: %w", o.Request.Name, cmp.Or(context.Cause(s.ctx), err))
}

// siblingFailed is why the others are cancelled when an image fails.
type siblingFailed struct{ name string }

func (e siblingFailed) Error() string { return fmt.Sprintf("image %q failed", e.name) }
func (e siblingFailed) Unwrap() error { return context.Canceled }

func (s *scheduler) build(o *Outcome) {
	o.Request.Sent = &Sent{}
	req := o.Request
	log := openImageLog(s.opts.LogDir, req.Name, req.Log, s.opts.TailLines)
	masked := req.Secrets.Writer(log) // the log file and tail never see a secret
	req.Log = masked
	start := time.Now()
	res, err := s.b.Build(s.ctx, req)
	o.Duration = time.Since(start)
	if ferr := masked.Flush(); ferr != nil && err == nil {
		err = fmt.Errorf("build output: %w", ferr)
	}
	o.LogFile, o.LogErr = log.finish()
	o.LogTail = log.tailLines()
	switch {
	case err == nil:
		o.Status, o.Result = StatusBuilt, res
	case s.ctx.Err() != nil:
		o.Status = StatusCancelled
		o.Err = fmt.Errorf("build image %q: cancelled: %w", req.Name, context.Cause(s.ctx))
	default:
		o.Status = StatusFailed
		o.Err = fmt.Errorf("build image %q: %w", req.Name, err)
		if !s.opts.KeepGoing {
			s.cancel(siblingFailed{req.Name})
		}
	}
}

func (s *scheduler) notify(o Outcome) {
	if s.opts.OnDone == nil {
		return
	}
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	s.opts.OnDone(o)
}
