package docker_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/testbed"
)

// TestBuildKitPush: a BuildKit-built image is pushed with every tag, with
// the digest the build reports.
func TestBuildKitPush(t *testing.T) {
	t.Parallel()
	env, b := setupBuilder(t, "buildkit")
	req := newRequest(t, nil, "FROM devspace-test/busybox\nRUN echo pushed > /pushed\n")
	req.Image = env.Registry + "/" + imageName(t)
	req.Tags = []string{"v1", "v2"}
	req.Push = true
	res := mustBuild(t, b, req)
	if !strings.HasPrefix(res.Digest, "sha256:") {
		t.Fatalf("digest %q, want sha256:…", res.Digest)
	}
	repo := strings.TrimPrefix(req.Image, env.Registry+"/")
	for _, tag := range req.Tags {
		if got := registryDigest(t, env.Registry, repo, tag); got != res.Digest {
			t.Errorf("registry has %s:%s at %q, want %s", repo, tag, got, res.Digest)
		}
	}
}

// TestBuildKitPullWithCredentials: the daemon pulls a base image from a
// registry that requires a login with the credentials the session hands
// it from the Docker config; without them the build fails and says so.
func TestBuildKitPullWithCredentials(t *testing.T) {
	t.Parallel()
	env := testbed.Docker(t)
	env.Busybox(t)
	registry := env.AuthRegistry(t)
	auth := base64.StdEncoding.EncodeToString([]byte(testbed.AuthRegistryUser + ":" + testbed.AuthRegistryPassword))
	withCreds := builderWithConfig(t, env, `{"auths": {"`+registry+`": {"auth": "`+auth+`"}}}`)
	without := builderWithConfig(t, env, `{}`)

	base := newRequest(t, nil, "FROM devspace-test/busybox\nRUN echo private-base > /base\n")
	base.Image = registry + "/" + imageName(t)
	base.Push = true
	mustBuild(t, withCreds, base)
	// Only the registry has the base image now.
	if _, err := env.API(t).ImageRemove(context.Background(), base.Ref(), client.ImageRemoveOptions{}); err != nil {
		t.Fatal(err)
	}

	dockerfile := "FROM " + base.Ref() + "\nRUN test \"$(cat /base)\" = private-base\n"
	req := newRequest(t, nil, dockerfile)
	if _, err := without.Build(context.Background(), req); err == nil {
		t.Error("pulling the private base image without credentials succeeded")
	} else {
		t.Logf("without credentials: %v", err)
	}
	mustBuild(t, withCreds, newRequest(t, nil, dockerfile))
}

// builderWithConfig returns a BuildKit Builder whose Docker config holds
// configJSON.
func builderWithConfig(t *testing.T, env *testbed.DockerEnv, configJSON string) *docker.Builder {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(configJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(name string) string {
		if name == docker.EnvBuilder {
			return "buildkit"
		}
		return env.Getenv(name)
	}
	b, err := docker.New(context.Background(), docker.Options{Getenv: getenv, ConfigDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
