package docker_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/testbed"
)

// TestPushAndExists: every tag lands in the registry with the digest the
// build reports; Exists sees it there, and not a tag that was never pushed.
func TestPushAndExists(t *testing.T) {
	t.Parallel()
	env, b := setup(t)
	req := newRequest(t, nil, "FROM devspace-test/busybox\nRUN echo pushed > /pushed\n")
	req.Image = env.Registry + "/" + imageName(t)
	req.Tags = []string{"v1", "v2"}
	req.Push = true
	start := time.Now()
	res := mustBuild(t, b, req)
	t.Logf("build and push of 2 tags: %s", time.Since(start).Round(time.Millisecond))
	if !strings.HasPrefix(res.Digest, "sha256:") {
		t.Fatalf("digest %q, want sha256:…", res.Digest)
	}
	repo := strings.TrimPrefix(req.Image, env.Registry+"/")
	for _, tag := range req.Tags {
		if got := registryDigest(t, env.Registry, repo, tag); got != res.Digest {
			t.Errorf("registry has %s:%s at %q, want %s", repo, tag, got, res.Digest)
		}
		mustExist(t, b, req.Image+":"+tag, true, true)
	}
	mustExist(t, b, req.Image+":never-pushed", true, false)
	mustExist(t, b, env.Registry+"/devspace-test/never-pushed:v1", true, false)
}

// registryDigest asks the registry for a manifest's digest (plain HTTP).
func registryDigest(t *testing.T, registry, repo, tag string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodHead, "http://"+registry+"/v2/"+repo+"/manifests/"+tag, nil)
	req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HEAD %s: %s", req.URL, resp.Status)
	}
	return resp.Header.Get("Docker-Content-Digest")
}

func TestExistsMissingLocally(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	mustExist(t, b, "devspace-test/does-not-exist:v1", false, false)
	mustExist(t, b, testbed.BusyboxImage, false, true)
}

// TestPushUnreachableRegistry: the error names the registry and the fix.
func TestPushUnreachableRegistry(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	req := newRequest(t, nil, "FROM devspace-test/busybox\n")
	req.Image = "127.0.0.1:1/" + imageName(t)
	req.Push = true
	_, err := b.Build(context.Background(), req)
	if err == nil {
		t.Fatal("push to a closed port succeeded")
	}
	for _, want := range []string{"registry 127.0.0.1:1", "docker login 127.0.0.1:1", req.Image + ":t1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestPushWithCredentials: a registry that requires a login refuses a push
// without credentials, with an error that names it and `docker login`;
// credentials from config.json or from a credential helper make the push
// and the registry lookup work, and the helper runs once for both. Not
// parallel: the helper is found through PATH.
func TestPushWithCredentials(t *testing.T) {
	env := testbed.Docker(t)
	env.Busybox(t)
	registry := env.AuthRegistry(t)

	newBuilder := func(t *testing.T, configJSON string) *docker.Builder {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(configJSON), 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := docker.New(context.Background(), docker.Options{Getenv: env.Getenv, ConfigDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}
	pushRequest := func(t *testing.T) imagebuild.Request {
		req := newRequest(t, nil, "FROM devspace-test/busybox\nRUN echo private > /private\n")
		req.Image = registry + "/" + imageName(t)
		req.Push = true
		return req
	}

	t.Run("no credentials", func(t *testing.T) {
		b := newBuilder(t, `{}`)
		_, err := b.Build(context.Background(), pushRequest(t))
		if err == nil {
			t.Fatal("push without credentials succeeded")
		}
		for _, want := range []string{"registry " + registry, "docker login " + registry} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		t.Log(err)
	})

	t.Run("config.json auths", func(t *testing.T) {
		auth := base64.StdEncoding.EncodeToString([]byte(testbed.AuthRegistryUser + ":" + testbed.AuthRegistryPassword))
		b := newBuilder(t, `{"auths": {"`+registry+`": {"auth": "`+auth+`"}}}`)
		req := pushRequest(t)
		if res := mustBuild(t, b, req); res.Digest == "" {
			t.Error("no digest")
		}
		mustExist(t, b, req.Ref(), true, true)
	})

	t.Run("credential helper", func(t *testing.T) {
		bin := t.TempDir()
		calls := filepath.Join(bin, "calls")
		helper := "#!/bin/sh\nread server\necho \"$1 $server\" >> " + calls + "\n" +
			`echo '{"ServerURL":"'"$server"'","Username":"` + testbed.AuthRegistryUser + `","Secret":"` + testbed.AuthRegistryPassword + `"}'` + "\n"
		if err := os.WriteFile(filepath.Join(bin, "docker-credential-devspace-test"), []byte(helper), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		b := newBuilder(t, `{"credHelpers": {"`+registry+`": "devspace-test"}}`)
		req := pushRequest(t)
		req.Tags = []string{"v1", "v2"}
		mustBuild(t, b, req)
		mustExist(t, b, req.Ref(), true, true)
		mustExist(t, b, req.Image+":v3", true, false)
		if data, _ := os.ReadFile(calls); strings.Count(string(data), "\n") != 1 {
			t.Errorf("the credential helper ran %d times, want once:\n%s", strings.Count(string(data), "\n"), data)
		}
		if log := req.Log.(*testbed.SyncBuffer).String(); strings.Contains(log, testbed.AuthRegistryPassword) {
			t.Error("the build log shows the password")
		}
	})
}
