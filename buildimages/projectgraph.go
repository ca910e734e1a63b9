package buildimages

import (
	"maps"
	"slices"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/imagebuild"
)

// ProjectBases is, per image of cfg, the project images its Dockerfile
// builds on (FROM, COPY --from, RUN --mount=from), from the config and
// the Dockerfiles alone: nothing is hashed, built or contacted. It is how
// `devspace ui` draws the build graph before any build. An image whose
// request cannot be made yet (no Dockerfile) has no bases here; its build
// will say why. The error is the graph's: a Dockerfile that does not
// parse, images that build on each other.
func ProjectBases(cfg *config.Config) (map[string][]string, error) {
	repos := make(map[string]string, len(cfg.Images))
	var reqs []imagebuild.Request
	for _, name := range slices.Sorted(maps.Keys(cfg.Images)) {
		img := cfg.Images[name]
		repos[name] = img.Image
		if req, err := imagebuild.NewRequest(cfg.Dir, img, imagebuild.RequestOptions{Kinds: kinds}); err == nil {
			reqs = append(reqs, req)
		}
	}
	g, err := imagebuild.NewGraph(reqs, repos)
	if err != nil {
		return nil, err
	}
	return g.Deps, nil
}
