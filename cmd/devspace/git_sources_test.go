package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/testbed"
)

// TestGitSourcesFetchOncePerRun runs devspace on a project whose two
// dependencies live in one repository (other subPaths) and whose third
// dependency's repository is also imported, all served over HTTP on
// loopback: each run reaches the server once per repository, and a run
// with disablePull everywhere not at all.
func TestGitSourcesFetchOncePerRun(t *testing.T) {
	repos := t.TempDir()
	testbed.BareRepo(t, repos, "mono.git", map[string]string{
		"a/devspace.yaml": "version: v2beta1\nname: a\npipelines:\n  deploy: echo a deploys\n",
		"b/devspace.yaml": "version: v2beta1\nname: b\npipelines:\n  deploy: echo b deploys\n",
	})
	testbed.BareRepo(t, repos, "lib.git", map[string]string{
		"devspace.yaml": "version: v2beta1\nname: lib\npipelines:\n  deploy: echo lib deploys\n  from-lib: echo imported\n",
	})
	srv := testbed.ServeGit(t, repos)
	config := func(disablePull bool) string {
		pull := ""
		if disablePull {
			pull = "\n    disablePull: true"
		}
		return strings.NewReplacer("URL", srv.URL, "PULL", pull).Replace(`version: v2beta1
name: root
imports:
  - git: URL/lib.gitPULL
dependencies:
  a:
    git: URL/mono.git
    subPath: aPULL
  b:
    git: URL/mono.git
    subPath: bPULL
  lib:
    git: URL/lib.gitPULL
pipelines:
  all: |-
    run_dependencies --all
    run_pipelines from-lib
`)
	}
	online, offline := t.TempDir(), t.TempDir()
	testbed.WriteTree(t, online, map[string]string{"devspace.yaml": config(false)})
	testbed.WriteTree(t, offline, map[string]string{"devspace.yaml": config(true)})
	env := append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir(), "KUBECONFIG="+filepath.Join(online, "none"))
	devspace := func(dir string) {
		t.Helper()
		cmd := exec.Command(filepath.Join(binDir, "devspace"), "run-pipeline", "all")
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("devspace run-pipeline all: %v\n%s", err, out)
		}
		for _, want := range []string{"[a] a deploys", "[b] b deploys", "[lib] lib deploys", "imported"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	}
	for run, want := range []int64{2, 4} { // the first run clones, the second fetches
		devspace(online)
		if got := srv.Ops(); got != want {
			t.Errorf("after run %d: %d git operations in all, want %d (one per repository per run)", run+1, got, want)
		}
	}
	before := srv.Ops()
	devspace(offline)
	if got := srv.Ops() - before; got != 0 {
		t.Errorf("a run with disablePull made %d git operations, want none", got)
	}
}
