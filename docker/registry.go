package docker

import (
	"context"
	"fmt"
	"net/http"

	"github.com/distribution/reference"
)

// Digest returns the manifest digest a registry serves for ref (image:tag),
// asked over HTTP with the stored login, without a daemon: builds that
// run in the cluster resolve their base images this way.
func (c *Credentials) Digest(ctx context.Context, ref string) (string, error) {
	if named, err := reference.ParseNormalizedNamed(ref); err == nil {
		if canonical, ok := named.(reference.Canonical); ok {
			return canonical.Digest().String(), nil // pinned
		}
	}
	tagged, err := parseTagged(ref)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, baseLookupTimeout)
	defer cancel()
	d, err := registryDigest(ctx, c.creds, tagged)
	if err != nil {
		return "", &BaseLookupError{Ref: ref, Where: "registry " + reference.Domain(tagged), Err: err}
	}
	return d, nil
}

// Exists says whether the registry has ref (image:tag). It implements
// build.Locator for images built in the cluster, which exist only in a
// registry: an image that was not pushed is never there.
func (c *Credentials) Exists(ctx context.Context, ref string, pushed bool) (bool, error) {
	if !pushed {
		return false, nil
	}
	tagged, err := parseTagged(ref)
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, baseLookupTimeout)
	defer cancel()
	l := &manifestLookup{host: reference.Domain(tagged), repo: reference.Path(tagged), url: manifestURL(tagged), creds: c.creds}
	_, status, err := l.fetch(ctx, http.MethodHead)
	switch {
	case status == http.StatusOK: // with or without a digest header
		return true, nil
	case status == http.StatusNotFound:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("looking up %s in registry %s: %w", ref, l.host, err)
	}
	return true, nil
}

func parseTagged(ref string) (reference.NamedTagged, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nil, fmt.Errorf("image reference %q: %w", ref, err)
	}
	tagged, ok := reference.TagNameOnly(named).(reference.NamedTagged)
	if !ok {
		return nil, fmt.Errorf("image reference %q has a digest but no tag", ref)
	}
	return tagged, nil
}
