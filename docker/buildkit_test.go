package docker_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/testbed"
)

// These tests build through a BuildKit session (DEVSPACE_DOCKER_BUILDER=
// buildkit) on the test bed's daemon, which has BuildKit but no bridge
// network: every RUN below also shows that the default network mode works
// there.

// withFiles sets req.Files as the build key lists them.
func withFiles(t *testing.T, req imagebuild.Request) imagebuild.Request {
	t.Helper()
	files, err := imagebuild.ContextFiles(context.Background(), req.ContextDir, req.Dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	req.Files = files
	return req
}

func buildLog(req imagebuild.Request) string { return req.Log.(*testbed.SyncBuffer).String() }

// TestBuildKitCopyRun: COPY and RUN through a session; the output is
// BuildKit's plain progress.
func TestBuildKitCopyRun(t *testing.T) {
	t.Parallel()
	_, b := setupBuilder(t, "buildkit")
	req := withFiles(t, newRequest(t, map[string]string{"src/app.txt": "app"}, `FROM devspace-test/busybox
COPY src /src
RUN test "$(cat /src/app.txt)" = app && echo "copied: ok"
`))
	mustBuild(t, b, req)
	mustExist(t, b, req.Ref(), false, true)
	log := buildLog(req)
	for _, want := range []string{"[3/3] RUN test", "copied: ok", "sent build context: ", "no bridge network", "DONE"} {
		if !strings.Contains(log, want) {
			t.Errorf("log does not mention %q", want)
		}
	}
	// The daemon's plain line comes after the trace, not inside it.
	if !strings.Contains(log, "DONE") || !strings.Contains(log[strings.LastIndex(log, "DONE"):], "\nSuccessfully tagged "+req.Ref()+"\n") {
		t.Errorf("log does not end with Successfully tagged %s", req.Ref())
	}
}

// TestBuilderChoice: the default on a daemon that announces BuildKit is
// BuildKit; DEVSPACE_DOCKER_BUILDER=legacy forces the classic builder; an
// unknown value is an error that names the variable.
func TestBuilderChoice(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ builder, want string }{
		{"", "#1 "},
		{"buildkit", "#1 "},
		{"legacy", "Step 1/2 :"},
	} {
		t.Run("builder="+tt.builder, func(t *testing.T) {
			t.Parallel()
			_, b := setupBuilder(t, tt.builder)
			req := newRequest(t, nil, "FROM devspace-test/busybox\nLABEL test=builder-choice\n")
			mustBuild(t, b, req)
			if log := buildLog(req); !strings.Contains(log, tt.want) {
				t.Errorf("log does not show %q", tt.want)
			}
		})
	}
	env := testbed.Docker(t)
	getenv := func(name string) string {
		if name == docker.EnvBuilder {
			return "kaniko"
		}
		return env.Getenv(name)
	}
	_, err := docker.New(context.Background(), docker.Options{Getenv: getenv, ConfigDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), docker.EnvBuilder) {
		t.Errorf("DEVSPACE_DOCKER_BUILDER=kaniko: error %v, want one naming the variable", err)
	}
}

// TestBuildKitArgsTargetNetwork is TestBuildArgsTargetNetwork through a
// BuildKit session.
func TestBuildKitArgsTargetNetwork(t *testing.T) {
	t.Parallel()
	_, b := setupBuilder(t, "buildkit")
	testArgsTargetNetwork(t, b)
}

// hostNetworks lists the host's network interfaces that a host-network
// build must see, leaving out veth pairs: pods of the test bed's cluster
// add and remove them while the tests run.
func hostNetworks(t *testing.T) string {
	t.Helper()
	entries, err := os.ReadDir("/sys/class/net")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "veth") {
			names = append(names, e.Name())
		}
	}
	return strings.Join(names, " ")
}

// TestBuildKitDockerignore: the image gets exactly the files the build key
// covers: ignored files and directories stay out, exceptions are in,
// .devspace never goes; the ignore file that imagebuild.IgnorePatterns chose
// (here devspace.dockerignore) wins over the context's .dockerignore,
// whether or not the request lists its files.
func TestBuildKitDockerignore(t *testing.T) {
	t.Parallel()
	_, b := setupBuilder(t, "buildkit")
	files := map[string]string{
		"devspace.dockerignore": "secret.txt\nlogs\n!logs/keep.log\n",
		".dockerignore":         "keep.txt\n",
		"secret.txt":            "secret",
		"keep.txt":              "keep",
		"logs/debug.log":        "debug",
		"logs/keep.log":         "kept",
		".devspace/cache.yaml":  "cache",
	}
	const dockerfile = `FROM devspace-test/busybox
COPY . /ctx/
RUN cd /ctx && find . | sort && \
    test -e keep.txt && test -e logs/keep.log && \
    test ! -e secret.txt && test ! -e logs/debug.log && test ! -e .devspace
`
	for _, listed := range []bool{true, false} {
		t.Run(fmt.Sprintf("files listed=%v", listed), func(t *testing.T) {
			t.Parallel()
			req := newRequest(t, files, dockerfile)
			if listed {
				req = withFiles(t, req)
			}
			mustBuild(t, b, req)
		})
	}
}

// TestBuildKitDockerfileOutsideContext is TestBuildDockerfileOutsideContext
// through a BuildKit session.
func TestBuildKitDockerfileOutsideContext(t *testing.T) {
	t.Parallel()
	_, b := setupBuilder(t, "buildkit")
	testDockerfileOutsideContext(t, b)
}
