package imagebuild

import (
	"context"
	"strings"
	"testing"
)

// TestBoardAwait: a reader waits while the project's run goes on and gets
// its announcement as soon as it is made; once the run has ended without
// one, it gets none.
func TestBoardAwait(t *testing.T) {
	t.Parallel()
	b := NewBoard()
	running := make(chan struct{})
	got := make(chan *Announced)
	go func() {
		a, err := b.Await(context.Background(), "dep/devspace.yaml", "base", running)
		if err != nil {
			t.Error(err)
		}
		got <- a
	}()
	b.Announce("other/devspace.yaml", "base", "k0", "r0") // another project's: no wake-up for it
	want := b.Announce("dep/devspace.yaml", "base", "k1", "repo/base:t1")
	if a := <-got; a != want || a.Key != "k1" || a.Ref != "repo/base:t1" {
		t.Fatalf("Await = %+v, want the announcement %+v", a, want)
	}

	close(running)
	if a, err := b.Await(context.Background(), "dep/devspace.yaml", "app", running); a != nil || err != nil {
		t.Fatalf("Await after the run ended = %+v, %v, want none", a, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Await(ctx, "dep/devspace.yaml", "app", make(chan struct{})); err == nil {
		t.Fatal("Await with a cancelled context and a running project returned no error")
	}
}

// TestScheduleAwait: a request built FROM another project's image starts
// only once that build is done, without holding a slot while it waits,
// and fails unstarted when that build failed, stopping the others.
func TestScheduleAwait(t *testing.T) {
	t.Parallel()
	b := NewBoard()
	base := b.Announce("dep/devspace.yaml", "base", "k", "repo/base:t")
	g := newGate(ok)
	outs := make(chan []Outcome)
	go func() {
		o, _ := Schedule(context.Background(), requests("app", "other"), g, ScheduleOptions{
			Limiter: NewLimiter(1), Await: [][]*Announced{{base}}})
		outs <- o
	}()
	if name := <-g.started; name != "other" { // app waits, other takes the only slot
		t.Fatalf("first build = %s, want other", name)
	}
	base.Finish(true)
	if got := statuses(<-outs); got != "app:built other:built" {
		t.Fatalf("outcomes = %s", got)
	}

	failed := b.Announce("dep/devspace.yaml", "base", "k2", "repo/base:t2")
	failed.Finish(false)
	o, err := Schedule(context.Background(), requests("app", "other"), newGate(blockUntilCancelled),
		ScheduleOptions{Await: [][]*Announced{{failed}}})
	if got := statuses(o); got != "app:failed other:cancelled" || err == nil {
		t.Fatalf("outcomes = %s, %v; want app failed, other stopped", got, err)
	}
	if msg := o[0].Err.Error(); !strings.Contains(msg, "repo/base:t2") {
		t.Errorf("error %q does not name the base", msg)
	}
}
