package docker_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/testbed"
)

// These tests run against a real dockerd and registry (package testbed).

// setup returns the test bed and a Builder for it with an empty Docker
// config that uses the classic builder (buildkit_test.go tests BuildKit).
func setup(t *testing.T) (*testbed.DockerEnv, *docker.Builder) {
	t.Helper()
	return setupBuilder(t, "legacy")
}

// setupBuilder is setup with DEVSPACE_DOCKER_BUILDER=builder.
func setupBuilder(t *testing.T, builder string) (*testbed.DockerEnv, *docker.Builder) {
	t.Helper()
	env := testbed.Docker(t)
	env.Busybox(t)
	getenv := func(name string) string {
		if name == docker.EnvBuilder {
			return builder
		}
		return env.Getenv(name)
	}
	b, err := docker.New(context.Background(), docker.Options{Getenv: getenv, ConfigDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return env, b
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// imageName is a repository name unique to the test and this run.
func imageName(t *testing.T) string {
	name := strings.Trim(nonName.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	return fmt.Sprintf("devspace-test/%s-%06d", name, rand.IntN(1e6))
}

// newRequest writes files into a new context directory and returns a
// request that builds it with dockerfile (held in memory; also written to
// <context>/Dockerfile unless files has one). The log is shown when the
// test fails.
func newRequest(t *testing.T, files map[string]string, dockerfile string) imagebuild.Request {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := files["Dockerfile"]; !ok {
		if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log := &testbed.SyncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("build log:\n%s", log)
		}
	})
	return imagebuild.Request{
		Name:           "app",
		Image:          imageName(t),
		Tags:           []string{"t1"},
		ContextDir:     dir,
		Dockerfile:     filepath.Join(dir, "Dockerfile"),
		DockerfileText: []byte(dockerfile),
		Log:            log,
	}
}

func mustBuild(t *testing.T, b *docker.Builder, req imagebuild.Request) imagebuild.Result {
	t.Helper()
	start := time.Now()
	res, err := b.Build(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built %s in %s", req.Ref(), time.Since(start).Round(time.Millisecond))
	if !strings.HasPrefix(res.ID, "sha256:") {
		t.Errorf("image ID %q, want sha256:…", res.ID)
	}
	return res
}

func mustExist(t *testing.T, b *docker.Builder, ref string, pushed, want bool) {
	t.Helper()
	got, err := b.Exists(context.Background(), ref, pushed)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Exists(%s, pushed=%v) = %v, want %v", ref, pushed, got, want)
	}
}

// TestBuildArgsTargetNetwork: a RUN step sees the build args and the
// requested network; building stops at the target (the stage after it
// fails); every tag is applied.
func TestBuildArgsTargetNetwork(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	testArgsTargetNetwork(t, b)
}

// testArgsTargetNetwork builds, on b, a Dockerfile whose RUN steps check
// the build args and the network interfaces, up to a target before a
// stage that fails, in each network mode, with two tags.
func testArgsTargetNetwork(t *testing.T, b *docker.Builder) {
	const dockerfile = `FROM devspace-test/busybox AS base
ARG GREETING
ARG WANT_NETS
ARG EXACT
RUN test "$GREETING" = hello || { echo "GREETING=$GREETING"; exit 1; }
RUN nets="$(ls /sys/class/net | xargs)"; echo "networks: $nets"; \
    for n in $WANT_NETS; do test -e "/sys/class/net/$n" || { echo "want $WANT_NETS"; exit 1; }; done; \
    test -z "$EXACT" || test "$nets" = "$WANT_NETS" || { echo "want exactly $WANT_NETS"; exit 1; }
FROM base AS final
RUN sleep 1 && echo "$GREETING" > /greeting
FROM base AS after-target
RUN echo "the stage after the target ran"; exit 1
`
	for _, tt := range []struct{ network, wantNets string }{
		{"", ""},
		{"none", "lo"},
		{"host", hostNetworks(t)},
	} {
		t.Run("network="+tt.network, func(t *testing.T) {
			t.Parallel()
			req := newRequest(t, nil, dockerfile)
			hello, want, exact := "hello", tt.wantNets, ""
			if tt.network == "none" {
				exact = "yes"
			}
			req.BuildArgs = map[string]*string{"GREETING": &hello, "WANT_NETS": &want, "EXACT": &exact}
			req.Target = "final"
			req.Network = tt.network
			req.Tags = []string{"t1", "t2"}
			mustBuild(t, b, req)
			for _, tag := range req.Tags {
				mustExist(t, b, req.Image+":"+tag, false, true)
			}
		})
	}
}

// TestBuildDockerfileOutsideContext: the in-memory Dockerfile is built, not
// the file on disk, which may lie outside the context and stays unchanged.
func TestBuildDockerfileOutsideContext(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	testDockerfileOutsideContext(t, b)
}

// testDockerfileOutsideContext builds, on b, a request whose Dockerfile on
// disk lies outside the context and differs from the in-memory text, and
// checks that the text was built and the file left alone. The request has
// its Files, as the build core gives them (a BuildKit session sends those).
func testDockerfileOutsideContext(t *testing.T, b *docker.Builder) {
	req := newRequest(t, map[string]string{"data.txt": "data"}, "FROM devspace-test/busybox\nCOPY data.txt /data.txt\nRUN test \"$(cat /data.txt)\" = data\n")
	outside := filepath.Join(t.TempDir(), "build", "app.Dockerfile")
	if err := os.MkdirAll(filepath.Dir(outside), 0o755); err != nil {
		t.Fatal(err)
	}
	const onDisk = "FROM devspace-test/busybox\nRUN echo this file is not what gets built; exit 1\n"
	if err := os.WriteFile(outside, []byte(onDisk), 0o644); err != nil {
		t.Fatal(err)
	}
	req.Dockerfile = outside
	mustBuild(t, b, withFiles(t, req))
	if data, _ := os.ReadFile(outside); string(data) != onDisk {
		t.Errorf("the Dockerfile on disk changed:\n%s", data)
	}
}

// TestBuildDockerignore: ignored files and directories are not in the
// image, exceptions are, and neither the generated Dockerfile nor
// DevSpace's own .devspace directory is sent.
func TestBuildDockerignore(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	req := newRequest(t, map[string]string{
		".dockerignore":        "secret.txt\nlogs\n!logs/keep.log\n.dockerignore\nDockerfile\n",
		"secret.txt":           "secret",
		"keep.txt":             "keep",
		"logs/debug.log":       "debug",
		"logs/keep.log":        "kept",
		".devspace/cache.yaml": "cache",
	}, `FROM devspace-test/busybox
COPY . /ctx/
RUN cd /ctx && find . | sort && \
    test -e keep.txt && test -e logs/keep.log && \
    test ! -e secret.txt && test ! -e logs/debug.log && test ! -e .devspace && \
    test ! -e .devspace.Dockerfile && test ! -e .dockerignore && test ! -e Dockerfile
`)
	mustBuild(t, b, req)
	if log := req.Log.(*testbed.SyncBuffer).String(); !strings.Contains(log, "sent build context: ") {
		t.Errorf("log does not say how much context was sent:\n%s", log)
	}
}

// TestBuildFailingStep: a failing RUN is a *StreamError with its exit code,
// and the error names the image.
func TestBuildFailingStep(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	req := newRequest(t, nil, "FROM devspace-test/busybox\nRUN echo failing; exit 3\n")
	_, err := b.Build(context.Background(), req)
	var se *docker.StreamError
	if !errors.As(err, &se) || se.Code != 3 {
		t.Fatalf("error %v, want a *StreamError with code 3", err)
	}
	if !strings.Contains(err.Error(), req.Ref()) {
		t.Errorf("error %q does not name %s", err, req.Ref())
	}
	if log := req.Log.(*testbed.SyncBuffer).String(); !strings.Contains(log, "failing") {
		t.Errorf("the step's output is not in the log:\n%s", log)
	}
}
