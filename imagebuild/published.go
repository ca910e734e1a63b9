package imagebuild

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Registry answers whether a registry has a tag, and under which manifest
// digest; docker.Credentials asks it directly over HTTP. With platforms
// (a multi-platform image) the tag must name an index that lists a
// manifest for each of them, and each manifest must be there; one that is
// not makes the answer a *MissingPlatformsError.
type Registry interface {
	Lookup(ctx context.Context, ref string, platforms []string) (digest string, found bool, err error)
}

// MissingPlatformsError says that a registry has a multi-platform image's
// tag but not every platform's manifest: the image is incomplete and is
// built again.
type MissingPlatformsError struct {
	Ref     string
	Missing []string
}

func (e *MissingPlatformsError) Error() string {
	return e.Ref + " lacks " + strings.Join(e.Missing, ", ")
}

// checkedPlatforms are the platforms whose manifests a registry lookup of
// req checks: those of a multi-platform image (one platform's image is a
// plain manifest, and its tag is the proof).
func (r Request) checkedPlatforms() []string {
	if len(r.Options.Platforms) < 2 {
		return nil
	}
	return r.Options.Platforms
}

// KeyTagPushed says req is pushed under its key-derived default tag
// (ds-<key>): the tag names the image's inputs, so a registry that has it
// holds this very image, whoever built it. A configured tag such as
// `latest` proves nothing.
func (r Request) KeyTagPushed() bool {
	return r.DefaultTag && r.Push && r.Kind != Disabled && !r.Kind.watches()
}

// TrustsRecord says whether a skip may rely on req's record alone: its
// key-derived tag was pushed to a registry that keeps it.
func (r Request) TrustsRecord() bool { return r.KeyTagPushed() && !r.RegistryForgets }

// mayBeFound says whether a rebuild decided from req's record alone may
// still be avoided by finding its key-derived tag in the registry: the
// machine never built these inputs (no record, or one of another key), and
// nothing forces the build.
func mayBeFound(req Request, prev *ImageRecord, opts DecideOptions) bool {
	switch {
	case opts.Published == nil, opts.Force, req.RebuildStrategy == "always", !req.KeyTagPushed():
		return false
	}
	return prev == nil || prev.Key != req.Key
}

// findPublished asks the registry for req's key-derived tag (and, for a
// multi-platform image, every platform's manifest). When it is there, d
// becomes a skip of that image; a failed lookup is one more reason to
// build.
func findPublished(ctx context.Context, req Request, d *Decision, reg Registry) {
	ref := req.Image + ":" + req.Tags[0]
	digest, found, err := reg.Lookup(ctx, ref, req.checkedPlatforms())
	var partial *MissingPlatformsError
	switch {
	case errors.As(err, &partial):
		d.Reasons = append(d.Reasons, "registry's "+partial.Error())
	case err != nil:
		d.Reasons = append(d.Reasons, fmt.Sprintf("registry lookup failed: %v", err))
	case found:
		d.Reasons, d.Tags, d.Digest, d.FoundIn = nil, req.Tags, digest, req.Image
	}
}

// foundReason says why an image found in its registry is skipped.
func (d Decision) foundReason() string {
	return d.Tags[0] + " already in " + d.FoundIn
}
