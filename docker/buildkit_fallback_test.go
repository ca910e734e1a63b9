package docker_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/devspace-engine/devspace/docker"
)

// TestBuildKitFallback: a Linux daemon that does not announce its builder
// is tried with BuildKit; when it refuses, the build goes through the
// classic builder, and later builds go there directly. The daemon is a
// stand-in that answers only the calls involved: no real daemon refuses
// BuildKit here.
func TestBuildKitFallback(t *testing.T) {
	t.Parallel()
	var buildkitTries, legacyBuilds atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		if i := strings.Index(path[1:], "/"); strings.HasPrefix(path, "/v1.") && i > 0 {
			path = path[i+1:]
		}
		switch {
		case path == "/_ping":
			w.Header().Set("Api-Version", "1.41")
			w.Header().Set("Ostype", "linux")
			w.Write([]byte("OK"))
		case path == "/build" && r.URL.Query().Get("version") == "2":
			buildkitTries.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"message":"buildkit not supported by daemon"}`))
		case path == "/build":
			legacyBuilds.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"stream":"Step 1/1 : FROM scratch\n"}` + "\n" + `{"aux":{"ID":"sha256:0123"}}` + "\n"))
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"not found"}`))
		}
	}))
	defer srv.Close()
	getenv := func(name string) string {
		if name == "DOCKER_HOST" {
			return "tcp://" + strings.TrimPrefix(srv.URL, "http://")
		}
		return ""
	}
	b, err := docker.New(context.Background(), docker.Options{Getenv: getenv, ConfigDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i := range 2 {
		req := newRequest(t, nil, "FROM scratch\n")
		res, err := b.Build(context.Background(), req)
		if err != nil {
			t.Fatalf("build %d: %v", i+1, err)
		}
		if res.ID != "sha256:0123" {
			t.Errorf("build %d: ID %q", i+1, res.ID)
		}
		if i == 0 && !strings.Contains(buildLog(req), "does not build with BuildKit") {
			t.Errorf("the log does not say why the classic builder is used")
		}
	}
	if buildkitTries.Load() != 1 || legacyBuilds.Load() != 2 {
		t.Errorf("%d BuildKit tries and %d classic builds, want 1 and 2", buildkitTries.Load(), legacyBuilds.Load())
	}
}
