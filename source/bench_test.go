package source

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/testbed"
)

// BenchmarkFetch brings n cached repositories, served over HTTP on
// loopback, up to date in one run: all at once (Prefetch, what imports
// and dependencies do) against one after another. Each iteration is a new
// run, so each repository is fetched once per iteration. rtt-0 measures
// git's own work (CPU-bound here); rtt-50ms adds a remote host's round
// trip to every request, where fetching is mostly waiting.
func BenchmarkFetch(b *testing.B) {
	for _, rtt := range []time.Duration{0, 50 * time.Millisecond} {
		for _, n := range []int{4, 8} {
			specs, srv := benchRepos(b, n)
			srv.SetLatency(rtt)
			b.Run(fmt.Sprintf("rtt-%v/parallel-%d", rtt, n), func(b *testing.B) {
				for b.Loop() {
					ctx := WithRun(context.Background(), NewRun())
					Prefetch(ctx, specs)
					resolveAll(b, ctx, specs)
				}
			})
			b.Run(fmt.Sprintf("rtt-%v/sequential-%d", rtt, n), func(b *testing.B) {
				for b.Loop() {
					resolveAll(b, WithRun(context.Background(), NewRun()), specs)
				}
			})
		}
	}
}

// BenchmarkDisablePull resolves n cached repositories with disablePull in
// a new run: what a run that uses them adds, with no network access (the
// server counts none).
func BenchmarkDisablePull(b *testing.B) {
	for _, n := range []int{1, 8} {
		specs, _ := benchRepos(b, n)
		for i := range specs {
			specs[i].DisablePull = true
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				resolveAll(b, WithRun(context.Background(), NewRun()), specs)
			}
		})
	}
}

// benchRepos serves n repositories on loopback, clones each into a fresh
// cache, and returns their specs.
func benchRepos(b *testing.B, n int) ([]Spec, *testbed.GitServer) {
	b.Setenv("XDG_CACHE_HOME", b.TempDir())
	srv := testbed.ServeGit(b, origins(b, n))
	specs := make([]Spec, n)
	for i := range specs {
		specs[i] = Spec{Git: srv.URL + "/" + repoName(i), Branch: "main", SubPath: "app"}
	}
	resolveAll(b, WithRun(context.Background(), NewRun()), specs)
	b.Cleanup(func() {
		if specs[0].DisablePull && srv.Ops() != int64(n) {
			b.Errorf("%d git operations, want only the %d clones", srv.Ops(), n)
		}
	})
	return specs, srv
}

func resolveAll(b *testing.B, ctx context.Context, specs []Spec) {
	for _, spec := range specs {
		if _, err := Resolve(ctx, spec, ""); err != nil {
			b.Fatal(err)
		}
	}
}
