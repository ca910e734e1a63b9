package docker

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/devspace-engine/devspace/imagebuild"
)

// TestLookupPlatforms: a lookup with platforms finds a multi-platform
// image only when its index lists every platform and the registry has
// each one's manifest; otherwise it names the platforms missing. A
// single image's manifest has none of them.
func TestLookupPlatforms(t *testing.T) {
	t.Parallel()
	addr := serveRegistry(t, "127.0.0.1", nil)
	ref := addr + "/devspace-test/multi:v1"
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	var idx v1.ImageIndex = empty.Index
	digests := map[string]v1.Hash{}
	for _, p := range []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}, {OS: "linux", Architecture: "arm", Variant: "v7"}} {
		img, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
		digests[p.String()], _ = img.Digest()
	}
	if err := remote.WriteIndex(tag, idx); err != nil {
		t.Fatal(err)
	}
	want, _ := idx.Digest()
	creds := credentialsWith(t, `{}`)
	ctx := context.Background()

	got, found, err := creds.Lookup(ctx, ref, []string{"linux/amd64", "linux/arm64", "linux/arm/v7"})
	if err != nil || !found || got != want.String() {
		t.Fatalf("every platform: %q, %v, %v; want %s", got, found, err, want)
	}
	checkMissing(t, creds, ref, []string{"linux/amd64", "linux/s390x"}, []string{"linux/s390x"})
	checkMissing(t, creds, ref, []string{"linux/arm/v6"}, []string{"linux/arm/v6"})

	// A manifest deleted from the registry, its index left as it was.
	if err := remote.Delete(tag.Context().Digest(digests["linux/arm64"].String())); err != nil {
		t.Fatal(err)
	}
	checkMissing(t, creds, ref, []string{"linux/amd64", "linux/arm64"}, []string{"linux/arm64"})

	single := addr + "/devspace-test/single:v1"
	pushRandom(t, single)
	checkMissing(t, creds, single, []string{"linux/amd64", "linux/arm64"}, []string{"linux/amd64", "linux/arm64"})
	if _, found, err := creds.Lookup(ctx, addr+"/devspace-test/none:v1", []string{"linux/amd64"}); found || err != nil {
		t.Errorf("a missing tag: found %v, %v; want not found, no error", found, err)
	}
}

func checkMissing(t *testing.T, creds *Credentials, ref string, platforms, want []string) {
	t.Helper()
	_, found, err := creds.Lookup(context.Background(), ref, platforms)
	var partial *imagebuild.MissingPlatformsError
	if found || !errors.As(err, &partial) || !slices.Equal(partial.Missing, want) {
		t.Errorf("Lookup(%s, %v): found %v, %v; want %v missing", ref, platforms, found, err, want)
	}
}
