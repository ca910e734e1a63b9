package docker_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/moby/client"

	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/testbed"
)

// TestBuildKitd: the buildkitd container is started on first use and
// answers the BuildKit client over docker exec; it is reused as it is,
// started again when it was stopped, and replaced when another image is
// asked for.
func TestBuildKitd(t *testing.T) {
	env := testbed.Docker(t)
	image, ok := testbed.BuildKitImage(t)
	if !ok {
		return
	}
	ctx := context.Background()
	api := env.API(t)
	unique := fmt.Sprintf("%016x", rand.Uint64())
	d := docker.BuildKitd{Name: "devspace-buildkitd-test-" + unique, Image: image}
	other := "devspace-test/buildkitd:" + unique
	t.Cleanup(func() {
		_, _ = api.ContainerRemove(ctx, d.Name, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		_, _ = api.ImageRemove(ctx, other, client.ImageRemoveOptions{})
	})
	b, err := docker.New(ctx, docker.Options{Getenv: env.Getenv, ConfigDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ensure := func(want string) {
		t.Helper()
		var log strings.Builder
		if err := b.EnsureBuildKitd(ctx, d, &log); err != nil {
			t.Fatal(err)
		}
		if got := log.String(); want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("log %q, want %q", got, want)
		}
		waitWorkers(t, b, d)
	}
	ensure("Started buildkitd container " + d.Name)
	ensure("")
	if _, err := api.ContainerStop(ctx, d.Name, client.ContainerStopOptions{}); err != nil {
		t.Fatal(err)
	}
	ensure("Restarted buildkitd container " + d.Name)
	if _, err := api.ImageTag(ctx, client.ImageTagOptions{Source: image, Target: other}); err != nil {
		t.Fatal(err)
	}
	d.Image = other
	ensure("Replaced buildkitd container " + d.Name + " (" + other)
}

// waitWorkers waits until d's buildkitd lists its workers through a
// client that dials it over docker exec.
func waitWorkers(t *testing.T, b *docker.Builder, d docker.BuildKitd) {
	t.Helper()
	bk, err := bkclient.New(context.Background(), "tcp://buildkitd", bkclient.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
		return b.DialBuildKitd(ctx, d)
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer bk.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		workers, err := bk.ListWorkers(ctx)
		if err == nil && len(workers) > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("buildkitd in %s does not answer: %v", d.Name, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
