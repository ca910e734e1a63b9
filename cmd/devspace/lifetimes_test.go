package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// slowVarConfig has a variable whose command (def) blocks.
const slowVarConfig = `version: v2beta1
name: slow-var
vars:
  SLOW: %s
pipelines:
  var: echo ${SLOW}
`

// stubbornConfig has a pipeline whose child ignores SIGTERM and SIGINT. It
// uses DEVSPACE_TMPDIR, so that the run has a temp dir to leave.
const stubbornConfig = `version: v2beta1
name: stubborn
pipelines:
  nested: |
    devspace run-pipeline stubborn
    echo after
  stubborn: |
    echo note > ${DEVSPACE_TMPDIR}/note
    sh -c 'trap "" TERM INT; echo $$ > child.pid; sleep 300 & echo $! > grandchild.pid; while :; do sleep 1; done'
    echo after
`

// TestVarCommandSignal: a signal while a variable's command runs ends the
// command and what it started, and devspace exits promptly with 128+N,
// leaving no temp dir. It used to wait for the shutdown deadline and
// leave the command running.
func TestVarCommandSignal(t *testing.T) {
	const script = "echo $$ > child.pid; sleep 300 & echo $! > grandchild.pid; wait"
	tests := []struct {
		name string
		def  string
		sig  syscall.Signal
		code int
	}{
		{"args/SIGINT", `{command: sh, args: ["-c", "` + script + `"]}`, syscall.SIGINT, 130},
		{"shorthand/SIGTERM", `"$(` + script + `)"`, syscall.SIGTERM, 143},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			config := fmt.Sprintf(slowVarConfig, tt.def)
			r := runAndSignal(t, config, []string{"run-pipeline", "var"}, []syscall.Signal{tt.sig}, []string{"child.pid", "grandchild.pid"})
			if r.code != tt.code {
				t.Errorf("exit status %d, want %d\n%s", r.code, tt.code, r.output)
			}
			if r.elapsed > 3*time.Second {
				t.Errorf("took %v to exit after %v, want at most 3s", r.elapsed, tt.sig)
			}
			checkCleanedUp(t, r)
		})
	}
}

// TestSecondInterrupt: a second Ctrl-C exits at once, without waiting for
// the children to give up, but still kills their process groups and
// removes the temp dir. It used to exit and leave them running.
func TestSecondInterrupt(t *testing.T) {
	r := runAndSignal(t, stubbornConfig, []string{"run-pipeline", "stubborn"},
		[]syscall.Signal{syscall.SIGINT, syscall.SIGINT}, []string{"child.pid", "grandchild.pid"})
	if r.code != 130 {
		t.Errorf("exit status %d, want 130\n%s", r.code, r.output)
	}
	// The child ignores TERM: without the second Ctrl-C devspace would
	// wait KillGrace (2 s) for it; the margin is for a busy machine.
	if r.elapsed > 1500*time.Millisecond {
		t.Errorf("took %v to exit after two SIGINTs, want at once", r.elapsed)
	}
	if strings.Contains(r.output, "after") {
		t.Errorf("the script went on after the signal:\n%s", r.output)
	}
	checkCleanedUp(t, r)
}

// TestSignalsNested: a devspace that a script runs ends what it started
// and removes its temp dir before the outer one exits, after one signal
// (its child ignores TERM: the outer one waits KillGrace, then signals it
// again rather than killing it first) or two (exit at once). It used to be
// killed first and leave both behind.
func TestSignalsNested(t *testing.T) {
	tests := []struct {
		name  string
		sigs  []syscall.Signal
		limit time.Duration
	}{
		{"once", []syscall.Signal{syscall.SIGTERM}, 4 * time.Second},
		{"twice", []syscall.Signal{syscall.SIGTERM, syscall.SIGTERM}, 1500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runAndSignal(t, stubbornConfig, []string{"run-pipeline", "nested"}, tt.sigs, []string{"child.pid", "grandchild.pid"})
			if r.code != 143 {
				t.Errorf("exit status %d, want 143\n%s", r.code, r.output)
			}
			if r.elapsed > tt.limit {
				t.Errorf("took %v to exit, want at most %v", r.elapsed, tt.limit)
			}
			if strings.Contains(r.output, "after") {
				t.Errorf("the script went on after the signal:\n%s", r.output)
			}
			checkCleanedUp(t, r)
		})
	}
}

// TestWriteError: output that cannot be written (`> /dev/full`) fails the
// run with a message on stderr. It used to exit 0.
func TestWriteError(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("this test needs /dev/full (Linux): %v", err)
	}
	defer full.Close()
	dir := t.TempDir()
	config := "version: v2beta1\nname: full\npipelines:\n  hello: echo hello world\n"
	if err := os.WriteFile(filepath.Join(dir, "devspace.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(binDir, "devspace"), "run-pipeline", "hello")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "none"))
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = full, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit: %v, want exit status 1", err)
	}
	if want := "write stdout: no space left on device\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}
