package imagebuild

import (
	"slices"
	"strings"

	"github.com/devspace-engine/devspace/config"
)

// InstrContext marks a BaseRef that comes from a --build-context
// NAME=docker-image://REF in the builder's args (BaseRef.Context is
// NAME), not from the Dockerfile: it has no line.
const InstrContext = "--build-context"

// dockerImageScheme starts a named context that is an image.
const dockerImageScheme = "docker-image://"

// contextRefs are the images that docker-image:// named contexts name.
// They are base images like a FROM's: an external one enters the key by
// its digest, resolved once per run, so a re-pushed tag rebuilds; a
// project image orders the build and enters by its key.
func contextRefs(contexts []config.BuildContext) []BaseRef {
	var refs []BaseRef
	for _, c := range contexts {
		if ref, ok := strings.CutPrefix(c.Value, dockerImageScheme); ok && ref != "" {
			refs = append(refs, BaseRef{Ref: ref, Instr: InstrContext, Context: c.Name})
		}
	}
	return refs
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
