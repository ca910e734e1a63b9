package docker

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/docker/cli/cli/config"
	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"

	"github.com/devspace-engine/devspace/testbed"
)

// TestCredentials reads credentials from config.json auths and from a
// credential helper, running the helper once per registry however many
// builds ask at once. Not parallel: the helper is found through PATH.
func TestCredentials(t *testing.T) {
	bin := t.TempDir()
	calls := filepath.Join(bin, "calls")
	helper := `#!/bin/sh
read server
echo "$1 $server" >> ` + calls + `
echo '{"ServerURL":"'"$server"'","Username":"helper-user","Secret":"helper-secret"}'
`
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-fake"), []byte(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	dir := t.TempDir()
	userPass := base64.StdEncoding.EncodeToString([]byte("file-user:file-pass"))
	testbed.WriteTree(t, dir, map[string]string{"config.json": `{
		"auths": {
			"localhost:5000": {"auth": "` + userPass + `"},
			"https://index.docker.io/v1/": {"auth": "` + userPass + `"}
		},
		"credHelpers": {"helper.example": "fake", "broken.example": "does-not-exist"}
	}`})
	file, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	creds := newAuthCache(file, nil)

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			a, err := creds.get("helper.example")
			if err != nil {
				t.Error(err)
			}
			if a.Username != "helper-user" || a.Password != "helper-secret" {
				t.Errorf("helper credentials = %q/%q", a.Username, a.Password)
			}
		})
	}
	wg.Wait()
	if data, _ := os.ReadFile(calls); strings.Count(string(data), "\n") != 1 {
		t.Errorf("helper ran %d times, want once:\n%s", strings.Count(string(data), "\n"), data)
	}

	for _, host := range []string{"localhost:5000", "docker.io"} {
		h, err := creds.header(host)
		if err != nil {
			t.Fatal(err)
		}
		a, err := authconfig.Decode(h)
		if err != nil {
			t.Fatal(err)
		}
		if a.Username != "file-user" || a.Password != "file-pass" {
			t.Errorf("%s: credentials %q/%q, want file-user/file-pass", host, a.Username, a.Password)
		}
	}

	h, err := creds.header("nothing.example")
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := authconfig.Decode(h); a.Username != "" || a.Password != "" {
		t.Errorf("credentials for an unknown registry: %+v", a)
	}

	_, err = creds.get("broken.example")
	if err == nil || !strings.Contains(err.Error(), "docker login broken.example") || strings.Contains(err.Error(), "secret") {
		t.Errorf("broken helper: error %v, want one that says `docker login broken.example`", err)
	}

	got := creds.pullAuth([]byte("FROM helper.example/base:1 AS b\nFROM nothing.example/x\nFROM b\n"))
	want := map[string]registry.AuthConfig{"helper.example": {Username: "helper-user", Password: "helper-secret", ServerAddress: "helper.example"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pull credentials (-want +got):\n%s", diff)
	}
}

func TestBaseImageRegistries(t *testing.T) {
	t.Parallel()
	dockerfile := `# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
from ghcr.io/org/tool:v1 as tool
FROM build AS test
FROM ${BASE}
FROM scratch
FROM localhost:5000/base
COPY --from=tool /x /x
`
	want := []string{"docker.io", "ghcr.io", "localhost:5000"}
	if diff := cmp.Diff(want, baseImageRegistries([]byte(dockerfile))); diff != "" {
		t.Errorf("registries (-want +got):\n%s", diff)
	}
}
