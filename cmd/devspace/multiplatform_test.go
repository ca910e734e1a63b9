package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/devspace-engine/devspace/buildkit"
	"github.com/devspace-engine/devspace/testbed"
)

// TestMultiPlatformScripts runs testdata/multiplatform/*.txtar like the
// build scripts, with a buildkitd image for the local daemon that
// multi-platform images build on: DEVSPACE_BUILDKIT_IMAGE is the test
// bed's, and DEVSPACE_BUILDKIT_CONTAINER a container name of the script's
// own, removed (with its volume) when the script ends. Under CI=true a
// missing image fails the test.
func TestMultiPlatformScripts(t *testing.T) {
	env := testbed.Docker(t)
	image := buildKitImage(t)
	if image == "" {
		return
	}
	api := env.API(t)
	// A git host on loopback for Git-URL build contexts: a script puts its
	// bare repositories under $GITROOT, served at $GITURL/NAME.git, which
	// the buildkitd container (on the host's network) fetches.
	gitRoot := t.TempDir()
	git := testbed.ServeGit(t, gitRoot)
	runBuildScripts(t, env, "buildkit", testscript.Params{
		Dir: "testdata/multiplatform",
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"registry-index":           registryIndex,
			"registry-delete-platform": registryDeletePlatform,
			"registry-holds":           registryHolds,
		},
		Setup: func(e *testscript.Env) error {
			name := fmt.Sprintf("devspace-buildkitd-test-%016x", rand.Uint64())
			e.Setenv(buildkit.EnvLocalImage, image)
			e.Setenv(buildkit.EnvLocalName, name)
			e.Setenv("GITROOT", gitRoot)
			e.Setenv("GITURL", git.URL)
			e.Defer(func() {
				if err := removeContainer(api, name); err != nil {
					e.T().Fatal(err)
				}
			})
			return nil
		},
	})
}

// removeContainer removes a buildkitd container a script may have
// started, with its volume.
func removeContainer(api *client.Client, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := api.ContainerRemove(ctx, name, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove container %s: %w", name, err)
	}
	return nil
}

// buildKitImage is the test bed's buildkitd image, or "" after t was
// skipped (failed under CI=true) for want of it.
func buildKitImage(t testing.TB) string {
	image, _ := testbed.BuildKitImage(t)
	return image
}

// registry-index REPO prints, for each tag of REPO in the test bed's
// registry, "TAG: PLATFORM…": the platforms its index lists whose
// manifests the registry has (sorted, attestations left out), or "TAG:
// single" for a single image's manifest.
func registryIndex(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: registry-index REPO")
	}
	for _, tag := range registryTags(ts, args[0]) {
		manifests, isIndex := indexOf(ts, args[0], tag)
		if !isIndex {
			fmt.Fprintf(ts.Stdout(), "%s: single\n", tag)
			continue
		}
		var present []string
		for p, digest := range manifests {
			if registryRequest(ts, http.MethodHead, args[0], digest).StatusCode == http.StatusOK {
				present = append(present, p)
			}
		}
		slices.Sort(present)
		fmt.Fprintf(ts.Stdout(), "%s: %s\n", tag, strings.Join(present, " "))
	}
}

// registry-delete-platform REPO PLATFORM deletes PLATFORM's manifest from
// the test bed's registry, leaving the index of REPO's only tag as it is.
func registryDeletePlatform(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: registry-delete-platform REPO PLATFORM")
	}
	tags := registryTags(ts, args[0])
	if len(tags) != 1 {
		ts.Fatalf("registry-delete-platform: %s has tags %v, want one", args[0], tags)
	}
	manifests, _ := indexOf(ts, args[0], tags[0])
	digest, ok := manifests[args[1]]
	if !ok {
		ts.Fatalf("registry-delete-platform: %s:%s has no %s manifest", args[0], tags[0], args[1])
	}
	if resp := registryRequest(ts, http.MethodDelete, args[0], digest); resp.StatusCode != http.StatusAccepted {
		ts.Fatalf("registry-delete-platform: DELETE %s@%s: %s", args[0], digest, resp.Status)
	}
}

// registryTags lists REPO's tags, sorted.
func registryTags(ts *testscript.TestScript, repo string) []string {
	var list struct{ Tags []string }
	registryGet(ts, fmt.Sprintf("/v2/%s/tags/list", repo), "", &list)
	slices.Sort(list.Tags)
	return list.Tags
}

// indexOf reads REPO:TAG's manifest: the digest of each platform's
// manifest when it is an index (attestations, platform unknown/unknown,
// left out).
func indexOf(ts *testscript.TestScript, repo, tag string) (map[string]string, bool) {
	var index struct {
		MediaType string
		Manifests []struct {
			Digest   string
			Platform struct{ OS, Architecture, Variant string }
		}
	}
	accept := "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json"
	registryGet(ts, fmt.Sprintf("/v2/%s/manifests/%s", repo, tag), accept, &index)
	if !strings.Contains(index.MediaType, "index") && !strings.Contains(index.MediaType, "list") {
		return nil, false
	}
	out := map[string]string{}
	for _, m := range index.Manifests {
		p := m.Platform
		if p.OS == "unknown" {
			continue
		}
		name := p.OS + "/" + p.Architecture
		if p.Variant != "" {
			name += "/" + p.Variant
		}
		out[name] = m.Digest
	}
	return out, true
}

// registryGet GETs path from the test bed's registry and decodes its JSON
// answer into v.
func registryGet(ts *testscript.TestScript, path, accept string, v any) {
	req, err := http.NewRequest(http.MethodGet, "http://"+ts.Getenv("REGISTRY")+path, nil)
	ts.Check(err)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	ts.Check(err)
	if resp.StatusCode != http.StatusOK {
		ts.Fatalf("GET %s: %s: %s", path, resp.Status, body)
	}
	ts.Check(json.Unmarshal(body, v))
}

// registry-holds REPO TAG TEXT fails unless a file in a layer of
// REPO:TAG in the test bed's registry (its first platform's, when an
// index) holds TEXT; with ! it fails if one does.
func registryHolds(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: registry-holds REPO TAG TEXT")
	}
	repo, ref := args[0], args[1]
	if index, ok := indexOf(ts, repo, ref); ok {
		platforms := slices.Sorted(maps.Keys(index))
		if len(platforms) == 0 {
			ts.Fatalf("registry-holds: %s:%s is an empty index", repo, ref)
		}
		ref = index[platforms[0]]
	}
	var manifest struct{ Layers []struct{ Digest string } }
	registryGet(ts, fmt.Sprintf("/v2/%s/manifests/%s", repo, ref), "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json", &manifest)
	found := false
	for _, l := range manifest.Layers {
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(fmt.Sprintf("http://%s/v2/%s/blobs/%s", ts.Getenv("REGISTRY"), repo, l.Digest))
		ts.Check(err)
		zr, err := gzip.NewReader(resp.Body)
		ts.Check(err)
		holds, err := tarHolds(zr, []byte(args[2]))
		resp.Body.Close()
		ts.Check(err)
		found = found || holds
	}
	switch {
	case found && neg:
		ts.Fatalf("%s:%s holds %q", args[0], args[1], args[2])
	case !found && !neg:
		ts.Fatalf("%s:%s does not hold %q", args[0], args[1], args[2])
	}
}
