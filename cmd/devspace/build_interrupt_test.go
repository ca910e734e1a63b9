package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/testbed"
)

// interruptConfig builds two images (named for the builder, %[1]s): quick
// is done at once, slow spends 30 s in a RUN step whose command holds a
// marker, so the test can find the step's container or process (the shell
// stays: sleep is not its last command, which it would exec).
const interruptConfig = `version: v2beta1
name: interrupt
images:
  quick:
    image: e2e/interrupt-quick-%[1]s
    dockerfile: quick.Dockerfile
    buildArgs: {BASE: "${BUSYBOX}"}
    skipPush: true
  slow:
    image: e2e/interrupt-slow-%[1]s
    dockerfile: slow.Dockerfile
    buildArgs: {BASE: "${BUSYBOX}"}
    skipPush: true
`

// TestBuildInterrupted: Ctrl-C (SIGINT) while an image builds stops
// devspace within 5 s with exit status 130, leaves no build step running
// (container or process), and leaves the cache whole: valid JSON that
// records the image that finished and not the one that was cancelled (or
// no cache at all), and no temp files. On both build paths.
func TestBuildInterrupted(t *testing.T) {
	env := testbed.Docker(t)
	busybox := env.Busybox(t)
	api := env.API(t)
	for _, builder := range builders {
		t.Run(builder, func(t *testing.T) {
			t.Parallel()
			b := startSlowBuild(t, env, busybox, builder, "e2e-interrupt")
			cmd, output, dir, marker := b.cmd, b.output, b.dir, b.marker

			start := time.Now()
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			code := waitExit(t, cmd, 10*time.Second)
			took := time.Since(start)
			out, _ := os.ReadFile(output)
			t.Logf("exited %s after SIGINT:\n%s", took.Round(time.Millisecond), out)
			if code != 130 {
				t.Errorf("exit status %d, want 130", code)
			}
			if took > 5*time.Second {
				t.Errorf("took %s to exit after SIGINT, want at most 5s", took.Round(time.Millisecond))
			}
			if left, err := waitNoBuildLeft(t.Context(), api, marker, 2*time.Second); err != nil {
				t.Fatal(err)
			} else if len(left) > 0 {
				t.Errorf("build steps left behind: %s", strings.Join(left, ", "))
			}
			checkCacheWhole(t, filepath.Join(dir, ".devspace"))
		})
	}
}

// slowBuild is a `devspace build` of interruptConfig caught while its slow
// image builds (its quick one done), ready for a signal.
type slowBuild struct {
	cmd    *exec.Cmd
	output string // the file its output goes to
	dir    string // the project
	marker string // in the slow step's command line and output
}

func startSlowBuild(t *testing.T, env *testbed.DockerEnv, busybox, builder, prefix string) slowBuild {
	t.Helper()
	marker := fmt.Sprintf("%s-%016x", prefix, rand.Uint64())
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"devspace.yaml":    fmt.Sprintf(interruptConfig, builder),
		"quick.Dockerfile": "ARG BASE\nFROM ${BASE}\nLABEL quick=yes\n",
		"slow.Dockerfile":  "ARG BASE\nFROM ${BASE}\nRUN echo " + marker + " started && sleep 30 && echo " + marker + " done\n",
	})
	cmd, output := startBuild(t, dir, append(env.Environ(), "BUSYBOX="+busybox, docker.EnvBuilder+"="+builder))
	waitBuilding(t, output, marker, "Done building image e2e/interrupt-quick-"+builder)
	return slowBuild{cmd: cmd, output: output, dir: dir, marker: marker}
}

// TestBuildInterruptedTwice: a second Ctrl-C while an image builds exits
// at once, and still removes the build log being written (a temp file
// beside its destination). It used to leave the temp file behind.
func TestBuildInterruptedTwice(t *testing.T) {
	env := testbed.Docker(t)
	busybox := env.Busybox(t)
	api := env.API(t)
	builder := builders[0]
	b := startSlowBuild(t, env, busybox, builder, "e2e-interrupt-twice")
	cmd, output, dir, marker := b.cmd, b.output, b.dir, b.marker
	start := time.Now()
	for range 2 {
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	code := waitExit(t, cmd, 10*time.Second)
	took := time.Since(start)
	out, _ := os.ReadFile(output)
	t.Logf("exited %s after two SIGINTs:\n%s", took.Round(time.Millisecond), out)
	if code != 130 {
		t.Errorf("exit status %d, want 130", code)
	}
	if took > time.Second {
		t.Errorf("took %s to exit after two SIGINTs, want at once", took.Round(time.Millisecond))
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".devspace", "logs", "*.tmp")); len(left) > 0 {
		t.Errorf("temp files left behind: %v", left)
	}
	// devspace hung up on the daemon, which then stops the build.
	if left, err := waitNoBuildLeft(t.Context(), api, marker, 10*time.Second); err != nil {
		t.Fatal(err)
	} else if len(left) > 0 {
		t.Errorf("build steps left behind: %s", strings.Join(left, ", "))
	}
}

// startBuild starts `devspace build` in dir with env added to the
// environment; its output goes to the returned file.
func startBuild(t *testing.T, dir string, env []string) (*exec.Cmd, string) {
	t.Helper()
	// A file, not a pipe: Wait must not wait for a leftover child that
	// still holds the output open.
	out, err := os.Create(filepath.Join(t.TempDir(), "output.txt"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	cmd := exec.Command(filepath.Join(binDir, "devspace"), "build")
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), env...), "KUBECONFIG="+filepath.Join(dir, "none"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, out.Name()
}

// checkCacheWhole fails unless the cache in stateDir is absent or valid
// JSON without the cancelled image (and with the finished one), and no
// temp file of an atomic write is left.
func checkCacheWhole(t *testing.T, stateDir string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(stateDir, "cache.json"))
	switch {
	case errors.Is(err, os.ErrNotExist):
		t.Log("no cache written")
	case err != nil:
		t.Fatal(err)
	default:
		var cache struct{ Images map[string]json.RawMessage }
		if err := json.Unmarshal(data, &cache); err != nil {
			t.Fatalf("cache.json is not valid JSON: %v\n%s", err, data)
		}
		if _, ok := cache.Images["slow"]; ok {
			t.Errorf("cache.json records the cancelled image:\n%s", data)
		}
		if _, ok := cache.Images["quick"]; !ok {
			t.Errorf("cache.json does not record the image that was built:\n%s", data)
		}
	}
	tmps, _ := filepath.Glob(filepath.Join(stateDir, "*.tmp"))
	logTmps, _ := filepath.Glob(filepath.Join(stateDir, "logs", "*.tmp"))
	if left := append(tmps, logTmps...); len(left) > 0 {
		t.Errorf("temp files left behind: %v", left)
	}
}

// waitBuilding waits until a process of the build step that holds marker
// runs and the output holds want.
func waitBuilding(t *testing.T, output, marker, want string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		data, _ := os.ReadFile(output)
		if strings.Contains(string(data), want) && len(markerProcesses(marker)) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the build did not get going within 60s (want %q and a process of the step):\n%s", want, data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitExit waits up to limit for cmd to exit and returns its status.
func waitExit(t *testing.T, cmd *exec.Cmd, limit time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("devspace did not exit within %s", limit)
		return 0
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
