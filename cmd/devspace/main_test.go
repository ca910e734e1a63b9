package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/devspace-engine/devspace/testbed"
)

// binDir holds the devspace binary built once for all scripts, so the
// end-to-end tests exercise the real program, signals and exit codes
// included.
var binDir string

// raceFlag is set by race_test.go under `go test -race`: the binary is
// then built with the race detector too, so that the scripts check the
// program's own concurrency (run_pipelines, prefixed output, signals).
var raceFlag []string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "devspace-e2e-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	// -trimpath, as task release builds: TestRelease's builds then reuse
	// these compiled packages.
	args := append([]string{"build", "-trimpath"}, raceFlag...)
	build := exec.Command("go", append(args, "-o", filepath.Join(dir, "devspace"), ".")...)
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if raceFlag == nil {
		// As released: static. With cgo, the plugin package that
		// kustomize links makes the binary export every symbol, which
		// costs start-up memory the benchmarks would then measure.
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
	}
	if err := build.Run(); err != nil {
		panic("build devspace: " + err.Error())
	}
	// The Helm companion, beside the binary where devspace looks for it.
	// Never race-enabled: it is Helm's code, and it builds faster plain.
	helmBuild := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "devspace-helm"), "../devspace-helm")
	helmBuild.Env = append(os.Environ(), "CGO_ENABLED=0")
	helmBuild.Stdout, helmBuild.Stderr = os.Stdout, os.Stderr
	if err := helmBuild.Run(); err != nil {
		panic("build devspace-helm: " + err.Error())
	}
	// The sync agent, beside the binary too, named as it ships: built for
	// the test bed's containers (linux, this machine's architecture),
	// static; devspace picks it for them by their uname -m.
	agentBuild := exec.Command("go", "build", "-o", filepath.Join(dir, "devspace-sync-agent-linux-"+runtime.GOARCH), "../devspace-sync-agent")
	agentBuild.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	agentBuild.Stdout, agentBuild.Stderr = os.Stdout, os.Stderr
	if err := agentBuild.Run(); err != nil {
		panic("build devspace-sync-agent: " + err.Error())
	}
	code := m.Run()
	testbed.Stop() // the daemon and registry a test started, if any
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestScripts runs testdata/script/*.txtar: each is a devspace.yaml and
// the commands a user would type, with their expected output.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			scriptEnv(env)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": exits,
		},
	})
}

// scriptEnv puts the devspace binary first on PATH and keeps a script
// away from the user's home and cluster.
func scriptEnv(env *testscript.Env) {
	env.Setenv("PATH", binDir+string(os.PathListSeparator)+env.Getenv("PATH"))
	env.Setenv("HOME", env.WorkDir)
	env.Setenv("KUBECONFIG", filepath.Join(env.WorkDir, "no-kubeconfig"))
	if v := os.Getenv("GORACE"); v != "" {
		env.Setenv("GORACE", v)
	}
}

// exits CODE PROGRAM [ARGS...] runs a program like exec and requires its
// exit status to be exactly CODE; exec alone only tells zero from non-zero.
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	got := 0
	var exit *exec.ExitError
	if err := ts.Exec(args[1], args[2:]...); errors.As(err, &exit) {
		got = exit.ExitCode()
	} else if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}
