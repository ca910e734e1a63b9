package docker_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/devspace-engine/devspace/testbed"
)

// TestBuildCancelled: cancelling the context stops the build at once and
// leaves no build container behind, running or not. Cancelled while a RUN
// step runs, Build itself removes the step's container before it returns.
// Cancelled between the start of a step and the moment its container is
// announced, the daemon kills and removes that container itself, shortly
// after.
func TestBuildCancelled(t *testing.T) {
	t.Parallel()
	env, b := setup(t)
	for _, tt := range []struct {
		name, cancelAfter string
		delay, settle     time.Duration
	}{
		{"while RUN runs", "running:", 0, 5 * time.Second},
		{"as the RUN step starts", "Step 2/2 :", 0, 10 * time.Second},
		{"as the RUN container is made", "Step 2/2 :", 15 * time.Millisecond, 10 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			marker := fmt.Sprintf("cancel-marker-%d", rand.Int64())
			req := newRequest(t, nil, "FROM devspace-test/busybox\nRUN echo running: "+marker+" && sleep 30\n")
			log := req.Log.(*testbed.SyncBuffer)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := b.Build(ctx, req)
				done <- err
			}()
			deadline := time.Now().Add(30 * time.Second)
			for !strings.Contains(log.String(), tt.cancelAfter) {
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
			waitNoContainer(t, env, marker, tt.settle)
		})
	}
}

// waitNoContainer fails unless, within settle, no container whose command
// holds marker exists.
func waitNoContainer(t *testing.T, env *testbed.DockerEnv, marker string, settle time.Duration) {
	t.Helper()
	api := env.API(t)
	start := time.Now()
	for {
		list, err := api.ContainerList(context.Background(), client.ContainerListOptions{All: true})
		if err != nil {
			t.Fatal(err)
		}
		var left []string
		for _, c := range list.Items {
			if strings.Contains(c.Command, marker) {
				left = append(left, fmt.Sprintf("%s (%s)", c.ID[:12], c.State))
			}
		}
		if len(left) == 0 {
			if settle > 0 {
				t.Logf("no build container left after %s", time.Since(start).Round(time.Millisecond))
			}
			return
		}
		if time.Since(start) >= settle {
			t.Fatalf("build containers left behind after %s: %s", settle, strings.Join(left, ", "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
