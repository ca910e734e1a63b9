package testbed

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestDocker: the daemon answers, the registry answers, the base image
// exists, and a second call returns the same shared test bed at once.
func TestDocker(t *testing.T) {
	start := time.Now()
	env := Docker(t)
	t.Logf("test bed ready in %s: DOCKER_HOST=%s registry=%s", time.Since(start).Round(time.Millisecond), env.Host, env.Registry)

	start = time.Now()
	ref := env.Busybox(t)
	t.Logf("%s ready in %s", ref, time.Since(start).Round(time.Millisecond))

	api := env.API(t)
	img, err := api.ImageInspect(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if img.Config == nil || len(img.RootFS.Layers) == 0 {
		t.Errorf("image %s has no layers", ref)
	}
	resp, err := http.Get("http://" + env.Registry + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("registry /v2/: %s", resp.Status)
	}
	if again := Docker(t); again != env {
		t.Error("a second Docker call started another test bed")
	}
	if got := env.Getenv("DOCKER_HOST"); got != env.Host {
		t.Errorf("Getenv(DOCKER_HOST) = %q", got)
	}
}

func TestStaticBusybox(t *testing.T) {
	path, skip := staticBusybox()
	if !usable(t, skip, nil, inCI()) { // under CI a missing busybox fails
		return
	}
	if path == "" {
		t.Fatal("no path and no reason")
	}
}

// recorder is a testing.TB that records Fatalf and Skipf instead of
// stopping the test.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Fatalf(format string, a ...any) { r.fatal = fmt.Sprintf(format, a...) }
func (r *recorder) Skipf(format string, a ...any)  { r.skip = fmt.Sprintf(format, a...) }

// TestUsable: missing components skip a test, except under CI, where they
// fail it; a start failure always fails it.
func TestUsable(t *testing.T) {
	t.Parallel()
	_, missing := findBinaries(true, true, func(string) string { return "" })
	for _, want := range []string{"dockerd and docker-registry not installed", "testbed/install.sh", EnvDockerHost} {
		if !strings.Contains(missing, want) {
			t.Errorf("skip reason %q does not mention %q", missing, want)
		}
	}
	tests := []struct {
		name            string
		skip            string
		err             error
		ci              bool
		ok              bool
		wantFatal, want string
	}{
		{name: "ready", ok: true},
		{name: "not installed", skip: missing, want: "testbed/install.sh"},
		{name: "not installed under CI", skip: missing, ci: true, wantFatal: "CI is set"},
		{name: "failed to start", err: errors.New("dockerd exited"), wantFatal: "dockerd exited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &recorder{TB: t}
			if ok := usable(r, tt.skip, tt.err, tt.ci); ok != tt.ok {
				t.Errorf("usable = %v, want %v", ok, tt.ok)
			}
			if !strings.Contains(r.skip, tt.want) || (tt.want == "" && r.skip != "") {
				t.Errorf("skip %q, want one containing %q", r.skip, tt.want)
			}
			if !strings.Contains(r.fatal, tt.wantFatal) || (tt.wantFatal == "" && r.fatal != "") {
				t.Errorf("fatal %q, want one containing %q", r.fatal, tt.wantFatal)
			}
		})
	}
}
