package docker

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/distribution/reference"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/devspace-engine/devspace/imagebuild"
)

// registryIndex returns the digest of the index that ref names when it
// lists a manifest for each of platforms and the registry has each of
// those manifests; else a *imagebuild.MissingPlatformsError naming the
// platforms it lacks (all of them when ref is a single image's
// manifest). One GET of the index, one HEAD per platform.
func registryIndex(ctx context.Context, creds *authCache, ref reference.NamedTagged, platforms []string) (string, error) {
	l, puller, err := newPuller(ctx, creds, ref)
	if err != nil {
		return "", err
	}
	desc, err := puller.Get(ctx, l.tag)
	if err != nil {
		return "", l.explain(err)
	}
	missing := slices.Clone(platforms)
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return "", err
		}
		manifest, err := idx.IndexManifest()
		if err != nil {
			return "", err
		}
		missing = missing[:0]
		for _, p := range platforms {
			m, ok := manifestFor(manifest.Manifests, p)
			if ok {
				_, err = puller.Head(ctx, l.tag.Digest(m.Digest.String()))
			}
			var refused *transport.Error
			if !ok || errors.As(err, &refused) && refused.StatusCode == http.StatusNotFound {
				missing = append(missing, p)
			} else if err != nil {
				return "", l.explain(err)
			}
		}
	}
	if len(missing) > 0 {
		return "", &imagebuild.MissingPlatformsError{Ref: ref.String(), Missing: missing}
	}
	return desc.Digest.String(), nil
}

// manifestFor finds the manifest of platform (os/arch[/variant]) among an
// index's; a platform without a variant matches any variant.
func manifestFor(manifests []v1.Descriptor, platform string) (v1.Descriptor, bool) {
	parts := strings.SplitN(platform, "/", 3)
	for _, m := range manifests {
		p := m.Platform
		if p == nil || p.OS != parts[0] || p.Architecture != parts[1] {
			continue
		}
		if len(parts) == 3 && p.Variant != parts[2] {
			continue
		}
		return m, true
	}
	return v1.Descriptor{}, false
}
