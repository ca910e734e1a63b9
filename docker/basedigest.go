package docker

import (
	"context"
	"fmt"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
)

// Where a BaseDigest came from.
const (
	// SourceLocal: the daemon's image ID, what a build without pull uses.
	SourceLocal = "local"
	// SourceRegistry: the manifest digest the registry serves for the tag.
	SourceRegistry = "registry"
	// SourcePinned: the digest written in the reference (name@sha256:…).
	SourcePinned = "pinned"
)

// BaseDigest is where a base image's identity came from.
type BaseDigest struct {
	Ref    string // the reference as given
	Digest string // "sha256:…"
	Source string // SourceLocal, SourceRegistry or SourcePinned
}

// BaseLookupError says that a base image reference could not be resolved.
type BaseLookupError struct {
	Ref string
	// Where is what was asked: "registry 127.0.0.1:5000",
	// "daemon unix:///var/run/docker.sock"; empty when Ref does not parse.
	Where string
	Err   error
}

func (e *BaseLookupError) Error() string {
	if e.Where == "" {
		return fmt.Sprintf("resolving base image %s: %v", e.Ref, e.Err)
	}
	return fmt.Sprintf("resolving base image %s at %s: %v", e.Ref, e.Where, e.Err)
}

func (e *BaseLookupError) Unwrap() error { return e.Err }

const (
	// baseLookupTimeout bounds one reference's lookup (daemon and registry
	// together): a registry that hangs must not hold up every build key.
	baseLookupTimeout = 10 * time.Second
	// baseLookupParallel bounds the lookups in flight, so a project with
	// many base images does not open a connection burst per registry.
	baseLookupParallel = 8
)

// BaseDigests looks up refs concurrently (each distinct ref once), for
// builds that pull (pull=true: always ask the registry) or not
// (pull=false: the daemon's local image when present, else the registry).
// Digest-pinned refs ("name@sha256:…") are returned as is with Source
// "pinned" and no lookup.
// A ref that cannot be resolved gets an error of type *BaseLookupError
// (naming the ref, where it asked, and the cause) in the returned per-ref
// error map; other refs still resolve.
//
// Refs are external images: leave out "scratch", build stages and
// references that still hold ARGs. Both maps are keyed by the ref as given.
func (b *Builder) BaseDigests(ctx context.Context, refs []string, pull bool) (map[string]BaseDigest, map[string]error) {
	digests, errs := map[string]BaseDigest{}, map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, baseLookupParallel)
	seen := map[string]bool{}
	for _, ref := range refs {
		if seen[ref] {
			continue
		}
		seen[ref] = true
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			d, err := b.baseDigest(ctx, ref, pull)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[ref] = err
			} else {
				digests[ref] = d
			}
		})
	}
	wg.Wait()
	return digests, errs
}

// baseDigest resolves one ref; errors are *BaseLookupError.
func (b *Builder) baseDigest(ctx context.Context, ref string, pull bool) (BaseDigest, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return BaseDigest{}, &BaseLookupError{Ref: ref, Err: err}
	}
	if c, ok := named.(reference.Canonical); ok {
		return BaseDigest{Ref: ref, Digest: c.Digest().String(), Source: SourcePinned}, nil
	}
	// The daemon and the registry see the same normalized name
	// (docker.io/library/busybox:latest): a short ref must not match an
	// image ID prefix in the daemon.
	tagged := reference.TagNameOnly(named).(reference.NamedTagged)
	ctx, cancel := context.WithTimeout(ctx, baseLookupTimeout)
	defer cancel()
	if !pull {
		id, err := b.localImageID(ctx, tagged)
		if err != nil {
			return BaseDigest{}, &BaseLookupError{Ref: ref, Where: "daemon " + b.endpoint.Host, Err: err}
		}
		if id != "" {
			return BaseDigest{Ref: ref, Digest: id, Source: SourceLocal}, nil
		}
	}
	host := reference.Domain(tagged)
	d, err := registryDigest(ctx, b.creds, tagged)
	if err != nil {
		return BaseDigest{}, &BaseLookupError{Ref: ref, Where: "registry " + host, Err: err}
	}
	return BaseDigest{Ref: ref, Digest: d, Source: SourceRegistry}, nil
}

// localImageID returns the identity of the daemon's image ref, which a
// build FROM it starts from, or "" when the daemon has none: the registry
// digest it was pulled or pushed with when the daemon knows one for this
// repository (so that the same image reads the same whether it is found
// locally or in the registry, and removing a local copy is no change),
// else its image ID.
func (b *Builder) localImageID(ctx context.Context, ref reference.NamedTagged) (string, error) {
	img, err := b.api.ImageInspect(ctx, ref.String())
	switch {
	case cerrdefs.IsNotFound(err):
		return "", nil
	case err != nil:
		return "", err
	}
	for _, rd := range img.RepoDigests {
		named, err := reference.ParseNormalizedNamed(rd)
		if c, ok := named.(reference.Canonical); err == nil && ok && named.Name() == ref.Name() {
			return c.Digest().String(), nil
		}
	}
	return img.ID, nil
}
