package imagebuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func requests(names ...string) []Request {
	var out []Request
	for _, n := range names {
		out = append(out, Request{Name: n, Image: "repo/" + n, Tags: []string{"t"}, Key: "key-" + n})
	}
	return out
}

func ok(ctx context.Context, req Request) (Result, error) { return Result{ID: "id-" + req.Name}, nil }

func blockUntilCancelled(ctx context.Context, _ Request) (Result, error) {
	<-ctx.Done()
	return Result{}, ctx.Err()
}

func statuses(outs []Outcome) string {
	var s []string
	for _, o := range outs {
		s = append(s, o.Request.Name+":"+string(o.Status))
	}
	return strings.Join(s, " ")
}

func TestScheduleLimit(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	g := newGate(func(ctx context.Context, req Request) (Result, error) {
		<-release
		return ok(ctx, req)
	})
	lim := NewLimiter(2)
	var wg sync.WaitGroup
	var outs [2][]Outcome
	for i := range outs { // two calls share one process-wide limiter
		wg.Go(func() {
			outs[i], _ = Schedule(context.Background(), requests("a", "b", "c"), g, ScheduleOptions{Limiter: lim})
		})
	}
	for range 6 { // let one finish each time the limit is reached
		<-g.started
		if g.running.Load() >= 2 {
			release <- struct{}{}
		}
	}
	close(release)
	wg.Wait()
	if p := g.peak.Load(); p != 2 {
		t.Errorf("peak concurrency = %d, want 2", p)
	}
	for _, o := range outs {
		if got := statuses(o); got != "a:built b:built c:built" {
			t.Errorf("outcomes = %s", got)
		}
	}
}

// TestLimiterSub: a per-call limiter bounds its own builds and still
// counts against the process-wide limiter it lives in.
func TestLimiterSub(t *testing.T) {
	t.Parallel()
	parent := NewLimiter(3)
	a, b := parent.Sub(2), parent.Sub(2)
	if a.Limit() != 2 || parent.Sub(5) != parent || parent.Sub(0) != parent {
		t.Fatalf("Sub: limits %d, %p, %p", a.Limit(), parent.Sub(5), parent.Sub(0))
	}
	mustAcquire := func(l *Limiter, want bool) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if got := l.acquire(ctx) == nil; got != want {
			t.Fatalf("acquire = %v, want %v", got, want)
		}
	}
	mustAcquire(a, true)
	mustAcquire(a, true)
	mustAcquire(a, false) // its own bound
	mustAcquire(b, true)
	mustAcquire(b, false) // the process-wide bound: 3 slots in use
	a.release()
	mustAcquire(b, true)
	if n := len(parent.slots); n != 3 {
		t.Errorf("process-wide slots in use = %d, want 3", n)
	}
}

func TestScheduleSequential(t *testing.T) {
	t.Parallel()
	g := newGate(ok)
	outs, err := Schedule(context.Background(), requests("c", "a", "b"), g, ScheduleOptions{Sequential: true, Limiter: NewLimiter(8)})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"start c", "end c", "start a", "end a", "start b", "end b"}
	if diff := cmp.Diff(want, g.events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if outs[1].Result.ID != "id-a" {
		t.Errorf("outcomes not in request order: %+v", outs)
	}
}

func TestScheduleSameKey(t *testing.T) {
	t.Parallel()
	reqs := requests("a", "b", "c", "d")
	reqs[1].Key, reqs[1].Image = reqs[0].Key, reqs[0].Image // same build: shared
	reqs[2].Key = reqs[0].Key                               // same key, own repo: waits, then builds
	g := newGate(ok)
	outs, err := Schedule(context.Background(), reqs, g, ScheduleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(outs); got != "a:built b:shared c:built d:built" {
		t.Errorf("outcomes = %s", got)
	}
	if outs[1].SharedWith != "a" || outs[1].Result.ID != "id-a" {
		t.Errorf("shared outcome = %+v", outs[1])
	}
	if diff := cmp.Diff(map[string]int{"a": 1, "c": 1, "d": 1}, g.calls); diff != "" {
		t.Errorf("builder calls (-want +got):\n%s", diff)
	}
	idx := func(e string) int { return slicesIndex(g.events, e) }
	if idx("end a") > idx("start c") {
		t.Errorf("c started before a ended: %v", g.events)
	}
}

func slicesIndex(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// Not parallel: it counts the goroutines of the whole process.
func TestScheduleFailFast(t *testing.T) {
	before := runtime.NumGoroutine()
	others := make(chan struct{}, 2)
	g := newGate(func(ctx context.Context, req Request) (Result, error) {
		if req.Name != "bad" {
			others <- struct{}{}
			return blockUntilCancelled(ctx, req)
		}
		<-others
		<-others // both siblings are running
		return Result{}, errors.New("RUN exit 1")
	})
	reqs := requests("x", "bad", "y", "queued")
	outs, err := Schedule(context.Background(), reqs, g, ScheduleOptions{Limiter: NewLimiter(3)})
	if got := statuses(outs); got != "x:cancelled bad:failed y:cancelled queued:cancelled" {
		t.Errorf("outcomes = %s", got)
	}
	if err == nil || err.Error() != `build image "bad": RUN exit 1` {
		t.Errorf("err = %v", err)
	}
	if !errors.Is(outs[0].Err, context.Canceled) || g.calls["queued"] != 0 {
		t.Errorf("sibling err = %v, queued calls = %d", outs[0].Err, g.calls["queued"])
	}
	assertNoLeak(t, before)
}

func TestScheduleKeepGoing(t *testing.T) {
	t.Parallel()
	failed := make(chan struct{})
	g := newGate(func(ctx context.Context, req Request) (Result, error) {
		if req.Name == "bad" {
			defer close(failed)
			return Result{}, errors.New("boom")
		}
		<-failed // finish only after the failure
		return ok(ctx, req)
	})
	var done []string
	outs, err := Schedule(context.Background(), requests("a", "bad", "b"), g, ScheduleOptions{
		KeepGoing: true,
		OnDone:    func(o Outcome) { done = append(done, o.Request.Name) },
	})
	if got := statuses(outs); got != "a:built bad:failed b:built" {
		t.Errorf("outcomes = %s", got)
	}
	if err == nil || err.Error() != `build image "bad": boom` {
		t.Errorf("err = %v", err)
	}
	if len(done) != 3 {
		t.Errorf("OnDone called for %v", done)
	}
}

func TestScheduleLogs(t *testing.T) {
	t.Parallel()
	logDir := filepath.Join(t.TempDir(), ".devspace", "logs")
	g := newGate(func(_ context.Context, req Request) (Result, error) {
		for i := 1; i <= 100; i++ {
			fmt.Fprintf(req.Log, "step %d\n", i)
		}
		if req.Name == "bad/one" {
			fmt.Fprint(req.Log, "error: no space")
			return Result{}, errors.New("failed")
		}
		return Result{}, nil
	})
	reqs := requests("good", "bad/one")
	var terminal [2]bytes.Buffer
	reqs[0].Log, reqs[1].Log = &terminal[0], &terminal[1]
	outs, _ := Schedule(context.Background(), reqs, g, ScheduleOptions{LogDir: logDir, KeepGoing: true})
	bad := outs[1]
	if len(bad.LogTail) != DefaultTailLines || bad.LogTail[0] != "step 72" || bad.LogTail[29] != "error: no space" {
		t.Errorf("tail = %q", bad.LogTail)
	}
	for i, o := range outs {
		if o.LogErr != nil {
			t.Fatal(o.LogErr)
		}
		data, err := os.ReadFile(o.LogFile)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, terminal[i].Bytes()) || !bytes.HasPrefix(data, []byte("step 1\nstep 2\n")) {
			t.Errorf("%s: log file differs from output", o.Request.Name)
		}
	}
	if outs[1].LogFile != filepath.Join(logDir, "bad_one.log") {
		t.Errorf("log file = %s", outs[1].LogFile)
	}
}

// Not parallel: it counts the goroutines of the whole process.
func TestScheduleParentCancel(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	g := newGate(blockUntilCancelled)
	go func() {
		<-g.started
		<-g.started
		cancel()
	}()
	outs, err := Schedule(ctx, requests("a", "b", "c"), g, ScheduleOptions{Limiter: NewLimiter(2)})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if got := statuses(outs); got != "a:cancelled b:cancelled c:cancelled" {
		t.Errorf("outcomes = %s", got)
	}
	assertNoLeak(t, before)
}

func TestSchedulePanic(t *testing.T) {
	t.Parallel()
	g := newGate(func(ctx context.Context, req Request) (Result, error) {
		if req.Name == "p" {
			panic("builder bug")
		}
		return blockUntilCancelled(ctx, req)
	})
	defer func() {
		if r := recover(); r != "builder bug" {
			t.Errorf("recovered %v, want the builder's panic", r)
		}
	}()
	Schedule(context.Background(), requests("a", "p"), g, ScheduleOptions{})
	t.Error("Schedule returned after a panic")
}

// assertNoLeak waits for the goroutine count to return to before (exiting
// goroutines may take a moment to be gone; no deadline is asserted).
func assertNoLeak(t *testing.T, before int) {
	t.Helper()
	for range 1000 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	t.Errorf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
}

// TestScheduleDeps: a dependant starts only after its base is built, an
// independent image does not wait for either, and a dependant of a failed
// base is cancelled naming it.
func TestScheduleDeps(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var events []string
	baseRelease := make(chan struct{})
	independentDone := make(chan struct{})
	b := BuilderFunc(func(ctx context.Context, req Request) (Result, error) {
		mu.Lock()
		events = append(events, "start "+req.Name)
		mu.Unlock()
		switch req.Name {
		case "base":
			<-baseRelease
		case "other":
			close(independentDone)
		}
		mu.Lock()
		events = append(events, "end "+req.Name)
		mu.Unlock()
		return ok(ctx, req)
	})
	go func() {
		<-independentDone // "other" ran while base was still building
		close(baseRelease)
	}()
	outs, err := Schedule(context.Background(), requests("base", "app", "other"), b,
		ScheduleOptions{Limiter: NewLimiter(4), Deps: [][]int{nil, {0}, nil}})
	if err != nil || statuses(outs) != "base:built app:built other:built" {
		t.Fatalf("outcomes %s, %v", statuses(outs), err)
	}
	joined := strings.Join(events, ",")
	if strings.Index(joined, "start app") < strings.Index(joined, "end base") {
		t.Errorf("app started before base ended: %s", joined)
	}

	fail := BuilderFunc(func(ctx context.Context, req Request) (Result, error) {
		if req.Name == "base" {
			return Result{}, errors.New("boom")
		}
		return ok(ctx, req)
	})
	outs, _ = Schedule(context.Background(), requests("base", "app"), fail,
		ScheduleOptions{Limiter: NewLimiter(4), KeepGoing: true, Deps: [][]int{nil, {0}}})
	if statuses(outs) != "base:failed app:cancelled" || !strings.Contains(outs[1].Err.Error(), `its base image "base" was not built (failed)`) {
		t.Fatalf("outcomes %s, app: %v", statuses(outs), outs[1].Err)
	}
}
