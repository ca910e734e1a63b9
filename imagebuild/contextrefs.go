package imagebuild

import (
	"net/url"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/dfgitutil"
	"github.com/moby/buildkit/util/gitutil"
	"github.com/moby/buildkit/util/urlutil"

	"github.com/devspace-engine/devspace/config"
)

// The BaseRef.Instr of references that come from a --build-context in
// the builder's args (BaseRef.Context is its NAME), not from the
// Dockerfile: they have no line.
const (
	// InstrContext is NAME=docker-image://REF: Ref is REF.
	InstrContext = "--build-context"
	// InstrGitContext is NAME=URL of a Git repository whose ref (a
	// branch, a tag, the default branch) can move: Ref is the URL as
	// written, and its digest the commit the ref names (see GitContext).
	InstrGitContext = "--build-context git"
)

// GitCommitPrefix marks a Git build context's commit among a request's
// Bases (the URL → git:COMMIT).
const GitCommitPrefix = "git:"

// dockerImageScheme starts a named context that is an image.
const dockerImageScheme = "docker-image://"

// contextRefs are the images that docker-image:// named contexts name,
// and the Git repositories named at a ref that can move. An image is a
// base image like a FROM's: an external one enters the key by its
// digest, resolved once per run, so a re-pushed tag rebuilds; a project
// image orders the build and enters by its key. A repository enters by
// the commit its ref names, resolved once per run as well. A repository
// pinned to a commit, and a tarball URL, enter as written (through the
// builder's args).
func contextRefs(contexts []config.BuildContext) []BaseRef {
	var refs []BaseRef
	for _, c := range contexts {
		if ref, ok := strings.CutPrefix(c.Value, dockerImageScheme); ok && ref != "" {
			refs = append(refs, BaseRef{Ref: ref, Instr: InstrContext, Context: c.Name})
		} else if _, _, ok := GitContext(c.Value); ok && !c.Local() {
			refs = append(refs, BaseRef{Ref: redactURL(c.Value), Instr: InstrGitContext, Context: c.Name})
		}
	}
	return refs
}

// redactURL masks the credentials of a URL that has them: a Git
// context's reference is shown in reasons and kept in the build record.
func redactURL(v string) string {
	if u, err := url.Parse(v); err == nil && u.User != nil {
		return urlutil.RedactCredentials(v)
	}
	return v
}

// GitContextURL is the URL of a Git context reference of req as written,
// with its credentials (ref.Ref has them masked).
func GitContextURL(req Request, ref BaseRef) string {
	i := slices.IndexFunc(req.Options.Contexts, func(c config.BuildContext) bool { return c.Name == ref.Context })
	if i < 0 {
		return ref.Ref
	}
	return req.Options.Contexts[i].Value
}

// GitContext reads a Git build context's URL as BuildKit does
// (REMOTE#REF:SUBDIR, or ?ref=, ?tag=, ?branch=): the repository to ask
// and the ref it builds ("" for the default branch). ok is false for
// anything else, and for a ref pinned to a commit, which cannot move.
func GitContext(value string) (remote, ref string, ok bool) {
	g, isGit, err := dfgitutil.ParseGitRef(value)
	if err != nil || !isGit || g.Checksum != "" || gitutil.IsCommitSHA(g.Ref) {
		return "", "", false
	}
	return g.Remote, g.Ref, true
}

// PinContexts points the docker-image:// named contexts that name a
// project image at the exact image:tag this run built or kept (exact,
// by image name), as RewriteBaseRefs does for the Dockerfile's
// references. It returns a copy; contexts is left as it was.
func PinContexts(contexts []config.BuildContext, refs []BaseRef, exact map[string]string) []config.BuildContext {
	out := slices.Clone(contexts)
	for _, r := range refs {
		to := exact[r.Image]
		if r.Instr != InstrContext || r.Image == "" || to == "" {
			continue
		}
		if i := slices.IndexFunc(out, func(c config.BuildContext) bool { return c.Name == r.Context }); i >= 0 {
			out[i].Value = dockerImageScheme + to
		}
	}
	return out
}
