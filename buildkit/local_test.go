package buildkit_test

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/moby/client"

	"github.com/devspace-engine/devspace/buildkit"
	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/testbed"
)

// TestLocalContextBytesSent: a build through the BuildKit client (on a
// buildkitd container of the Engine) counts the context its session
// sends: a context of one 1 MiB file sends at least 1 MiB and under 2;
// a rebuild of the unchanged directory sends nothing again.
func TestLocalContextBytesSent(t *testing.T) {
	env := testbed.Docker(t)
	image, ok := testbed.BuildKitImage(t)
	if !ok {
		return
	}
	unique := fmt.Sprintf("%016x", mrand.Uint64())
	name := "devspace-buildkitd-sent-" + unique
	getenv := func(k string) string {
		switch k {
		case buildkit.EnvLocalImage:
			return image
		case buildkit.EnvLocalName:
			return name
		}
		return env.Getenv(k)
	}
	t.Cleanup(func() {
		_, _ = env.API(t).ContainerRemove(context.Background(), name, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	})
	d, err := docker.New(context.Background(), docker.Options{Getenv: getenv, ConfigDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	creds, err := docker.NewCredentials(getenv)
	if err != nil {
		t.Fatal(err)
	}
	l := &buildkit.Local{Docker: d, Creds: creds, Getenv: getenv}
	defer l.Close()

	dir := t.TempDir()
	big := make([]byte, 1<<20)
	rand.Read(big)
	dockerfile := "FROM scratch\nCOPY big /big\n"
	for file, data := range map[string][]byte{"big": big, "Dockerfile": []byte(dockerfile)} {
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log := &testbed.SyncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("build log:\n%s", log)
		}
	})
	sent := func() int64 {
		t.Helper()
		req := imagebuild.Request{Name: "app", Image: "devspace-test/sent-" + unique, Tags: []string{"t1"}, ContextDir: dir,
			Dockerfile: filepath.Join(dir, "Dockerfile"), DockerfileText: []byte(dockerfile), Log: log, Sent: &imagebuild.Sent{}}
		if _, err := l.Build(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		n, counted := req.Sent.Bytes()
		if !counted {
			t.Fatal("the build counted no bytes sent")
		}
		return n
	}
	if n := sent(); n < 1<<20 || n >= 2<<20 {
		t.Errorf("first build sent %d bytes, want at least 1 MiB (%d) and under 2 MiB", n, 1<<20)
	}
	if n := sent(); n >= 64<<10 {
		t.Errorf("rebuild of an unchanged context sent %d bytes, want only the changed files (none)", n)
	}
}
