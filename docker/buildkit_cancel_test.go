package docker_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/docker"
)

// TestBuildKitFailingStep: the error names the image and the failing step,
// and the step's output is in the log.
func TestBuildKitFailingStep(t *testing.T) {
	t.Parallel()
	_, b := setupBuilder(t, "buildkit")
	req := newRequest(t, nil, "FROM devspace-test/busybox\nRUN echo step one\nRUN echo failing-output; exit 3\nRUN echo never\n")
	_, err := b.Build(context.Background(), req)
	var se *docker.StepError
	if !errors.As(err, &se) || se.Step != "[3/4] RUN echo failing-output; exit 3" {
		t.Fatalf("error %v, want a *StepError naming the RUN step", err)
	}
	t.Log(err)
	for _, want := range []string{req.Ref(), "exit code: 3"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if log := buildLog(req); !strings.Contains(log, "failing-output") {
		t.Errorf("the step's output is not in the log")
	}
}

// TestBuildKitCancelled: cancelling the context stops the build at once:
// the step's processes are killed (BuildKit runs them outside containers
// the Engine API lists, so this looks for them among the host's processes)
// and Build returns context.Canceled. Cancelled while the context is
// still being sent, the build stops as well.
func TestBuildKitCancelled(t *testing.T) {
	t.Parallel()
	_, b := setupBuilder(t, "buildkit")
	for _, tt := range []struct {
		name, cancelAfter string
		delay             time.Duration
	}{
		{"while RUN runs", "started ", 0},
		{"as the build starts", "", 0},
		{"while the context is sent", "", 20 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			marker := fmt.Sprintf("cancel-marker-%d", rand.Int64())
			// sh stays the parent of sleep (it has more to do after it), so
			// its command line, which holds the marker, lives as long as
			// the step.
			req := newRequest(t, nil, "FROM devspace-test/busybox\nCOPY . /ctx\nRUN m="+marker+"; echo \"started $m\"; sleep 30; echo \"done $m\"\n")
			if tt.delay > 0 {
				bigContext(t, req.ContextDir, 500, 10<<10)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := b.Build(ctx, req)
				done <- err
			}()
			deadline := time.Now().Add(30 * time.Second)
			for !strings.Contains(buildLog(req), tt.cancelAfter+marker) && tt.cancelAfter != "" {
				if time.Now().After(deadline) {
					t.Fatal("the RUN step did not start")
				}
				time.Sleep(2 * time.Millisecond)
			}
			time.Sleep(tt.delay)
			start := time.Now()
			cancel()
			err := <-done
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			t.Logf("Build returned %s after cancel", time.Since(start).Round(time.Millisecond))
			if time.Since(start) > 10*time.Second {
				t.Errorf("Build took %s to return after cancel", time.Since(start))
			}
			waitNoProcess(t, marker, 5*time.Second)
		})
	}
}

// waitNoProcess fails unless, within settle, no process on this host has
// marker in its command line.
func waitNoProcess(t *testing.T, marker string, settle time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		left := processesWith(t, marker)
		if len(left) == 0 {
			t.Logf("no build process left %s after Build returned", time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Since(start) >= settle {
			t.Fatalf("build processes left running after %s: %s", settle, strings.Join(left, "; "))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func processesWith(t *testing.T, marker string) []string {
	t.Helper()
	paths, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range paths {
		cmd, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(cmd), marker) {
			out = append(out, filepath.Base(filepath.Dir(p))+": "+strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	return out
}
