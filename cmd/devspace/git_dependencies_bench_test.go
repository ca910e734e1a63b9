package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/testbed"
)

// BenchmarkGitDependencies times `devspace run-pipeline all` (one process)
// in a project with 4 git dependencies served over HTTP on loopback with
// a 50 ms round trip per request, each already cloned into the cache:
//   - pull-ms: a normal run, which fetches each repository once, in
//     parallel (the server must see exactly 4 operations per run);
//   - pull-sequential-ms: the same with --sequential-dependencies, which
//     still fetches in parallel before running them in order;
//   - disablepull-ms: every entry with disablePull, which must reach the
//     server not at all;
//   - path-ms: the same dependencies as `path:` checkouts, for reference.
func BenchmarkGitDependencies(b *testing.B) {
	const n = 4
	repos := b.TempDir()
	for i := range n {
		testbed.BareRepo(b, repos, fmt.Sprintf("svc-%d.git", i), map[string]string{"devspace.yaml": service(i)})
	}
	srv := testbed.ServeGit(b, repos)
	srv.SetLatency(50 * time.Millisecond)
	pull, offline, paths := b.TempDir(), b.TempDir(), b.TempDir()
	var pullCfg, offlineCfg, pathCfg strings.Builder
	for _, w := range []*strings.Builder{&pullCfg, &offlineCfg, &pathCfg} {
		w.WriteString("version: v2beta1\nname: bench\npipelines:\n  all: run_dependencies --all\ndependencies:\n")
	}
	for i := range n {
		url := fmt.Sprintf("%s/svc-%d.git", srv.URL, i)
		fmt.Fprintf(&pullCfg, "  svc-%d:\n    git: %s\n", i, url)
		fmt.Fprintf(&offlineCfg, "  svc-%d:\n    git: %s\n    disablePull: true\n", i, url)
		fmt.Fprintf(&pathCfg, "  svc-%d:\n    path: %s\n", i, filepath.Join(paths, fmt.Sprint(i)))
	}
	write(b, filepath.Join(pull, "devspace.yaml"), pullCfg.String())
	write(b, filepath.Join(offline, "devspace.yaml"), offlineCfg.String())
	write(b, filepath.Join(paths, "devspace.yaml"), pathCfg.String())
	for i := range n {
		testbed.WriteTree(b, filepath.Join(paths, fmt.Sprint(i)), map[string]string{"devspace.yaml": service(i)})
	}

	env := append(os.Environ(), "KUBECONFIG="+filepath.Join(pull, "none"), "XDG_CACHE_HOME="+b.TempDir())
	bin := filepath.Join(binDir, "devspace")
	run(b, pull, env, bin, "run-pipeline", "all") // clones
	var pulls, sequential, offlines, local []time.Duration
	for b.Loop() {
		ops := srv.Ops()
		pulls = append(pulls, run(b, pull, env, bin, "run-pipeline", "all"))
		sequential = append(sequential, run(b, pull, env, bin, "run-pipeline", "all", "--sequential-dependencies"))
		if got := srv.Ops() - ops; got != 2*n {
			b.Fatalf("two runs made %d git operations, want one per repository per run (%d)", got, 2*n)
		}
		ops = srv.Ops()
		offlines = append(offlines, run(b, offline, env, bin, "run-pipeline", "all"))
		if got := srv.Ops() - ops; got != 0 {
			b.Fatalf("a disablePull run made %d git operations, want none", got)
		}
		local = append(local, run(b, paths, env, bin, "run-pipeline", "all"))
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(median(pulls)), "pull-ms")
	b.ReportMetric(ms(median(sequential)), "pull-sequential-ms")
	b.ReportMetric(ms(median(offlines)), "disablepull-ms")
	b.ReportMetric(ms(median(local)), "path-ms")
}

// service is the config of dependency i: its deploy echoes its name.
func service(i int) string {
	return fmt.Sprintf("version: v2beta1\nname: svc-%d\npipelines:\n  deploy: echo svc-%d\n", i, i)
}
