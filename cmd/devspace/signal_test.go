package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// signalConfig has pipelines that block in child programs. Each child
// writes its PID (and that of its own child) so the test can check that
// none is left behind.
const signalConfig = `version: v2beta1
name: signals
pipelines:
  child: |
    sh -c 'sleep 100 & echo $! > grandchild.pid; echo $$ > child.pid; wait'
    echo after
  sub-pipelines: |
    run_pipelines a b
    echo after
  a: sh -c 'echo $$ > child.pid; sleep 100'
  b: sh -c 'sleep 100 & echo $! > grandchild.pid; wait'
  stubborn: |
    sh -c 'trap "" TERM; echo $$ > child.pid; while :; do sleep 1; done'
    echo after
commands:
  script: |
    sh -c 'sleep 100 & echo $! > grandchild.pid; echo $$ > child.pid; wait'
    echo after
  direct:
    command: sh
    args: ["-c", "sleep 100 & echo $! > grandchild.pid; echo $$ > child.pid; wait"]
`

// TestSignals: SIGTERM or SIGINT while a pipeline or command waits for a
// child program cancels the run, terminates every process it started
// (their process groups, TERM then KILL), and exits with 128+N within 5 s.
// DevSpace exits 1 and leaves the children running.
func TestSignals(t *testing.T) {
	tests := []struct {
		args []string
		sig  syscall.Signal
		code int
	}{
		{[]string{"run-pipeline", "child"}, syscall.SIGTERM, 143},
		{[]string{"run-pipeline", "child"}, syscall.SIGINT, 130},
		{[]string{"run-pipeline", "sub-pipelines"}, syscall.SIGTERM, 143},
		{[]string{"run-pipeline", "stubborn"}, syscall.SIGTERM, 143}, // ignores TERM: killed after the grace period
		{[]string{"run", "script"}, syscall.SIGINT, 130},
		{[]string{"run", "direct"}, syscall.SIGTERM, 143}, // args: no shell of ours in between
	}
	for _, tt := range tests {
		name := tt.args[len(tt.args)-1]
		t.Run(name+"/"+tt.sig.String(), func(t *testing.T) {
			t.Parallel()
			pidFiles := []string{"child.pid", "grandchild.pid"}
			if name == "stubborn" {
				pidFiles = pidFiles[:1]
			}
			r := runAndSignal(t, signalConfig, tt.args, []syscall.Signal{tt.sig}, pidFiles)
			if r.code != tt.code {
				t.Errorf("exit status %d, want %d\n%s", r.code, tt.code, r.output)
			}
			if r.elapsed > 5*time.Second {
				t.Errorf("took %v to exit after %v, want at most 5s", r.elapsed, tt.sig)
			}
			if strings.Contains(r.output, "after") {
				t.Errorf("the script went on after the signal:\n%s", r.output)
			}
			checkCleanedUp(t, r)
		})
	}
}

// checkCleanedUp fails the test if a child of the run is still running or
// the run left something in its TMPDIR.
func checkCleanedUp(t *testing.T, r signalResult) {
	t.Helper()
	for _, pid := range r.pids {
		if !gone(pid, 2*time.Second) {
			t.Errorf("process %d is still running after devspace exited", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if len(r.leftovers) > 0 {
		t.Errorf("devspace left %v in its TMPDIR", r.leftovers)
	}
}

type signalResult struct {
	code    int
	elapsed time.Duration // from the signal to devspace's exit
	output  string
	pids    []int // of the children, read from pidFiles
	// leftovers are what devspace left in its TMPDIR.
	leftovers []string
}

// runAndSignal runs devspace with config, waits until the children wrote
// their pidFiles, sends sigs one after the other, and waits for devspace
// to exit.
func runAndSignal(t *testing.T, config string, args []string, sigs []syscall.Signal, pidFiles []string) signalResult {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "devspace.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	// A file, not a pipe: Wait must not wait for a leftover child that
	// still holds the output open.
	out, err := os.Create(filepath.Join(dir, "output.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(filepath.Join(binDir, "devspace"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "none"), "TMPDIR="+tmp)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var r signalResult
	for _, f := range pidFiles {
		r.pids = append(r.pids, waitPID(t, filepath.Join(dir, f)))
	}
	start := time.Now()
	for _, sig := range sigs {
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond) // one signal at a time, as a user would press Ctrl-C
	}
	err = cmd.Wait()
	r.elapsed = time.Since(start)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	output, _ := os.ReadFile(out.Name())
	r.output = string(output)
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		r.leftovers = append(r.leftovers, e.Name())
	}
	return r
}

// waitPID waits for a child to write its PID to file.
func waitPID(t *testing.T, file string) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		data, err := os.ReadFile(file)
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && perr == nil {
			return pid
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s was not written within 5s", file)
	return 0
}

// gone reports whether a process ends within d. A zombie counts as gone:
// it has exited and only waits for its new parent to reap it.
func gone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		// The state follows the command name, which is in parentheses.
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}
