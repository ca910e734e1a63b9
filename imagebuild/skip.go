package imagebuild

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/devspace-engine/devspace/config"
)

// Locator checks that an image still exists where it will be pulled from:
// the registry when pushed, else the build daemon (or the cluster's nodes).
// The Docker builder implements it.
type Locator interface {
	Exists(ctx context.Context, ref string, pushed bool) (bool, error)
}

// Reasons to rebuild, as printed in `rebuild NAME: REASON, REASON`.
const (
	ReasonForced           = "forced"
	ReasonAlways           = "rebuildStrategy: always"
	ReasonNoPrevious       = "no previous build"
	ReasonImageName        = "image name changed"
	ReasonDockerfile       = "Dockerfile changed"
	ReasonBuildArgs        = "build args changed"
	ReasonOptions          = "build options changed"
	ReasonMissingRegistry  = "image missing from registry"
	ReasonMissingDaemon    = "image missing from the daemon"
	ReasonTags             = "tags changed"
	ReasonCustomNoOnChange = "custom build without onChange"
)

// Decision says whether to build an image, and why.
type Decision struct {
	Name string
	// Rebuild is false when the image can be skipped.
	Rebuild bool
	// Reasons are short phrases, e.g. "context changed (3 files)".
	Reasons []string
	// Tags are the image's tags after a skip: the previous build's, which
	// are the request's but for the random letters of '#' templates, or
	// its key-derived tag kept because rebuildStrategy
	// ignoreContextChanges ignored a context change. After a rebuild they
	// are the request's.
	Tags []string
	// Digest is the previous build's digest, when skipped.
	Digest string
	// FoundIn is the repository that already had the image's key-derived
	// tag (built on another machine) when that skipped it; the image is
	// then recorded as if built here.
	FoundIn string
}

// String renders "rebuild NAME: R1, R2" or "skip NAME: unchanged".
func (d Decision) String() string {
	if !d.Rebuild {
		if d.FoundIn != "" {
			return "skip " + d.Name + ": " + d.foundReason()
		}
		if len(d.Tags) > 0 {
			return "skip " + d.Name + ": unchanged (tag " + d.Tags[0] + ")"
		}
		return "skip " + d.Name + ": unchanged"
	}
	return "rebuild " + d.Name + ": " + strings.Join(d.Reasons, ", ")
}

// DecideOptions are the per-call settings of the skip decision.
type DecideOptions struct {
	// Force is -b/--force-build and --force-rebuild.
	Force bool
	// Locator checks the image still exists before a skip; nil trusts
	// the cache.
	Locator Locator
	// Registry checks images built in the cluster (kaniko, BuildKit in a
	// pod), which exist only in a registry; nil trusts the cache.
	Registry Locator
	// Previous returns the inputs of an image's last build, to say
	// exactly what changed; nil (or none recorded) gives coarser reasons.
	Previous func(name string) (Inputs, bool)
	// Published finds the key-derived tag of an image this machine never
	// built in its registry (see Request.KeyTagPushed); nil builds it.
	Published Registry
}

// Decide says whether req must be built, given its last successful build
// (prev, nil when there is none). It skips when the key is unchanged and
// every tag still exists where it will be pulled from; a key-derived tag in
// a registry is trusted from the record (it names the image's content), and
// found there when this machine never built those inputs. Disabled images
// are never built.
func Decide(ctx context.Context, req Request, prev *ImageRecord, opts DecideOptions) (Decision, error) {
	d := Decision{Name: req.Name, Tags: req.Tags}
	switch {
	case req.Kind == Disabled:
		return d, nil
	case opts.Force:
		d.Reasons = []string{ReasonForced}
	case req.RebuildStrategy == "always":
		d.Reasons = []string{ReasonAlways}
	case req.Kind.watches() && len(req.OnChange) == 0:
		d.Reasons = []string{ReasonCustomNoOnChange}
	case prev == nil:
		d.Reasons = []string{ReasonNoPrevious}
	default:
		d.Reasons = changes(req, *prev, opts.Previous)
		if prev.Image != "" && prev.Image != req.Image {
			// Not in the key: the same content under another name (the
			// local registry's, or back from it) is not there yet.
			d.Reasons = append(d.Reasons, ReasonImageName)
		}
	}
	if len(d.Reasons) == 0 {
		d.Tags = previousTags(req, *prev)
		if d.Tags == nil {
			d.Reasons = []string{ReasonTags}
		}
	}
	if len(d.Reasons) > 0 && mayBeFound(req, prev, opts) {
		findPublished(ctx, req, &d, opts.Published)
	}
	if loc := locatorFor(req, opts); len(d.Reasons) == 0 && loc != nil && !req.TrustsRecord() {
		reason, err := missing(ctx, req, d.Tags, loc)
		if err != nil {
			return Decision{}, err
		}
		if reason != "" {
			d.Reasons = []string{reason}
		}
	}
	d.Rebuild = len(d.Reasons) > 0
	if d.Rebuild {
		d.Tags = req.Tags
	} else if prev != nil && d.FoundIn == "" {
		d.Digest = prev.Digest
	}
	return d, nil
}

// locatorFor picks where req's image is looked up before a skip: the
// daemon (or through it, the registry) for daemon builds, the registry for
// in-cluster builds; images of an unknown place (custom) are trusted.
func locatorFor(req Request, opts DecideOptions) Locator {
	switch req.Place() {
	case PlaceDaemon:
		return opts.Locator
	case PlaceRegistry:
		return opts.Registry
	}
	return nil
}

// previousTags returns the tags an unchanged image keeps: those of its
// previous build when req asks for the same ones, or nil when the tags
// changed. Random letters ('#') match any letter, so the image is not
// rebuilt just to draw new ones; a key-derived tag is kept when
// ignoreContextChanges ignored the change of key.
func previousTags(req Request, prev ImageRecord) []string {
	templates := req.TagTemplates
	if templates == nil {
		templates = req.Tags // a request made without NewRequest
	}
	switch {
	case req.DefaultTag && prev.Key != req.Key:
		return prev.Tags // ignoreContextChanges kept the previous image
	case req.DefaultTag && slices.Equal(req.Tags, prev.Tags):
		return prev.Tags
	case !req.DefaultTag && matchTemplates(templates, prev.Tags):
		return prev.Tags
	}
	return nil
}

// missing checks every tag where it will be pulled from and says why the
// image must be rebuilt, or "" when all exist.
func missing(ctx context.Context, req Request, tags []string, loc Locator) (string, error) {
	for _, tag := range tags {
		ref := req.Image + ":" + tag
		ok, err := exists(ctx, req, ref, loc)
		var partial *MissingPlatformsError
		if errors.As(err, &partial) {
			return ReasonMissingRegistry + " (" + partial.Error() + ")", nil
		}
		if err != nil {
			return "", fmt.Errorf("image %q: check %s exists: %w", req.Name, ref, err)
		}
		if ok {
			continue
		}
		if req.Push {
			return ReasonMissingRegistry, nil
		}
		return ReasonMissingDaemon, nil
	}
	return "", nil
}

// exists asks loc for ref; a multi-platform image is asked of the
// registry with its platforms (see Registry), when loc can.
func exists(ctx context.Context, req Request, ref string, loc Locator) (bool, error) {
	if reg, ok := loc.(Registry); ok && req.checkedPlatforms() != nil && req.Push {
		_, found, err := reg.Lookup(ctx, ref, req.checkedPlatforms())
		return found, err
	}
	return loc.Exists(ctx, ref, req.Push)
}

// changes lists what differs between req and its previous build; with
// rebuildStrategy ignoreContextChanges a context change alone is none.
// With the previous build's inputs it names exactly what differs.
func changes(req Request, prev ImageRecord, previous func(string) (Inputs, bool)) []string {
	if req.Key == prev.Key {
		return nil
	}
	if previous != nil {
		in, ok := previous(req.Name)
		if r := DiffInputs(in, InputsOf(req), req.RebuildStrategy != "ignoreContextChanges"); ok && len(r) > 0 {
			return r
		}
	}
	var out []string
	p, q := req.Parts, prev.Parts
	if p.Dockerfile != q.Dockerfile {
		out = append(out, ReasonDockerfile)
	}
	if p.Args != q.Args {
		out = append(out, ReasonBuildArgs)
	}
	if p.Options != q.Options {
		out = append(out, ReasonOptions)
	}
	if p.Context != q.Context && req.RebuildStrategy != "ignoreContextChanges" {
		if r := contextReason(req, prev, len(out) > 0); r != "" {
			out = append(out, r)
		}
	}
	if len(out) == 0 && req.Key != prev.Key && req.RebuildStrategy != "ignoreContextChanges" {
		out = append(out, "build key changed") // parts from an older cache format
	}
	return out
}

// contextReason says how many context files changed. The Dockerfile and
// ignore files are not counted when another reason already covers them.
func contextReason(req Request, prev ImageRecord, covered bool) string {
	skip := map[string]bool{}
	if covered {
		for _, p := range []string{req.Dockerfile, req.Dockerfile + ".dockerignore"} {
			if rel, err := filepath.Rel(req.ContextDir, p); err == nil {
				skip[filepath.ToSlash(rel)] = true
			}
		}
		skip[dockerIgnore], skip[devspaceIgnore] = true, true
	}
	n := countChanged(dropPaths(prev.Files, skip), dropPaths(fingerprints(req.Files), skip))
	switch {
	case prev.Files == nil && len(req.Files) > 0:
		return "context changed"
	case n == 0 && covered:
		return ""
	case n == 0 && slices.ContainsFunc(req.Options.Contexts, config.BuildContext.Local):
		// The record keeps the main context's files only.
		return "context or a named build context changed"
	case n == 0:
		return "context changed (directories)"
	case n == 1:
		return "context changed (1 file)"
	}
	return fmt.Sprintf("context changed (%d files)", n)
}

// fingerprints encodes the non-directory files compactly: per file 8 bytes
// of path hash and 8 bytes of (mode, digest) hash, sorted by path hash.
func fingerprints(files []ContextFile) []byte {
	type fp struct{ path, content uint64 }
	fps := make([]fp, 0, len(files))
	for _, f := range files {
		if f.Mode.IsDir() {
			continue
		}
		h := fnv.New64a()
		h.Write(binary.BigEndian.AppendUint32(f.Digest[:], uint32(f.Mode)))
		fps = append(fps, fp{pathHash(f.Path), h.Sum64()})
	}
	slices.SortFunc(fps, func(a, b fp) int { return cmp.Compare(a.path, b.path) })
	out := make([]byte, 0, 16*len(fps))
	for _, f := range fps {
		out = binary.BigEndian.AppendUint64(out, f.path)
		out = binary.BigEndian.AppendUint64(out, f.content)
	}
	return out
}

func pathHash(p string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(p))
	return h.Sum64()
}

// dropPaths removes the given paths from a fingerprint list.
func dropPaths(fps []byte, paths map[string]bool) []byte {
	drop := map[uint64]bool{}
	for p := range paths {
		drop[pathHash(p)] = true
	}
	out := make([]byte, 0, len(fps))
	for ; len(fps) >= 16; fps = fps[16:] {
		if !drop[binary.BigEndian.Uint64(fps)] {
			out = append(out, fps[:16]...)
		}
	}
	return out
}

// countChanged counts files added, removed or changed between two
// fingerprint lists.
func countChanged(old, cur []byte) int {
	n := 0
	for len(old) >= 16 || len(cur) >= 16 {
		switch {
		case len(old) < 16:
			cur, n = cur[16:], n+1
		case len(cur) < 16:
			old, n = old[16:], n+1
		default:
			po, pc := binary.BigEndian.Uint64(old), binary.BigEndian.Uint64(cur)
			switch {
			case po < pc:
				old, n = old[16:], n+1
			case pc < po:
				cur, n = cur[16:], n+1
			default:
				if binary.BigEndian.Uint64(old[8:]) != binary.BigEndian.Uint64(cur[8:]) {
					n++
				}
				old, cur = old[16:], cur[16:]
			}
		}
	}
	return n
}

// DecideAll runs Decide for every request concurrently, with each image's
// previous build taken from cache (nil: none).
func DecideAll(ctx context.Context, reqs []Request, cache *Cache, opts DecideOptions) ([]Decision, error) {
	out := make([]Decision, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	if opts.Previous == nil && cache != nil {
		opts.Previous = cache.PreviousInputs
	}
	for i, req := range reqs {
		wg.Go(func() {
			var prev *ImageRecord
			if cache != nil {
				if rec, ok := cache.previous(req.Name, req.Key); ok {
					prev = &rec
				}
			}
			out[i], errs[i] = Decide(ctx, req, prev, opts)
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
