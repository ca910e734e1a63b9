package buildimages

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/distribution/reference"

	"github.com/devspace-engine/devspace/imagebuild"
)

// Upstream is a project this call's project runs as a dependency in this
// run (see dependency.Runner.Running): a base image in its images: is
// built there, not looked up as an external image.
type Upstream struct {
	Name string
	// ConfigPath is its config file, which names it on the Board and
	// locates its build cache.
	ConfigPath string
	// Images maps its image names to their repositories.
	Images map[string]string
	// Running is closed when its pipeline has ended.
	Running <-chan struct{}
}

// foreignBase is a base image of this call that a dependency builds: its
// build in this run (announced) or its last recorded build.
type foreignBase struct {
	key, ref  string
	announced *imagebuild.Announced // nil for a recorded build
}

// foreignPrefix starts the graph's name for a dependency's image, which no
// image of this project can have.
const foreignPrefix = "dependency\x00"

// foreignBases finds the unpinned external references of the requests
// that name the repository of a dependency's image, waits for the
// dependency to announce that image in this run (while its pipeline
// runs), and links the references to it: they then count as project
// images of another project, keyed by its build key and pinned to its
// exact tag. A dependency that did not build the image in this run gives
// its last recorded build; one never built leaves the reference external.
func (r *buildRun) foreignBases(ctx context.Context, reqs []imagebuild.Request, g *imagebuild.Graph) (map[string]foreignBase, error) {
	ups := r.upstream(ctx)
	if len(ups) == 0 {
		return nil, nil
	}
	out := map[string]foreignBase{}
	for _, req := range reqs {
		refs := g.Refs[req.Name]
		for i := range refs {
			ref := &refs[i]
			if ref.Image != "" || ref.Pinned {
				continue
			}
			up, image, ok := owner(ups, ref.Ref)
			if !ok {
				continue
			}
			name := foreignPrefix + up.ConfigPath + "\x00" + image
			if _, seen := out[name]; !seen {
				fb, found, err := r.foreignBase(ctx, req, up, image)
				if err != nil {
					return nil, fmt.Errorf("image %q: base image %s of dependency %q: %w", req.Name, ref.Ref, up.Name, err)
				}
				if !found {
					continue
				}
				out[name] = fb
			}
			ref.Image = name
		}
	}
	return out, nil
}

func (r *buildRun) upstream(ctx context.Context) []Upstream {
	if r.opts.Connections.Upstream == nil {
		return nil
	}
	return r.opts.Connections.Upstream(ctx)
}

// owner is the nearest dependency with an image of ref's repository.
func owner(ups []Upstream, ref string) (Upstream, string, bool) {
	repo := repository(ref)
	if repo == "" {
		return Upstream{}, "", false
	}
	for _, up := range ups {
		for _, name := range slices.Sorted(maps.Keys(up.Images)) {
			if repository(up.Images[name]) == repo {
				return up, name, true
			}
		}
	}
	return Upstream{}, "", false
}

// repository is ref's normalized repository ("" when ref is none).
func repository(ref string) string {
	n, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ""
	}
	return n.Name()
}

// foreignBase is the dependency's image as built in this run, or as
// last built.
func (r *buildRun) foreignBase(ctx context.Context, req imagebuild.Request, up Upstream, image string) (foreignBase, bool, error) {
	if b := r.opts.Connections.Board; b != nil {
		a, err := b.Await(ctx, up.ConfigPath, image, nil)
		if a == nil && err == nil && !ended(up.Running) {
			// Say why nothing happens: the dependency's pipeline may take
			// a while to get to build_images (or never build this image).
			fmt.Fprintf(req.Log, "waiting for dependency %s to build its image %s (a base of this image)\n", up.Name, image)
			a, err = b.Await(ctx, up.ConfigPath, image, up.Running)
		}
		if err != nil {
			return foreignBase{}, false, err
		}
		if a != nil {
			return foreignBase{key: a.Key, ref: a.Ref, announced: a}, true, nil
		}
	}
	rec, ok := imagebuild.ReadRecords(up.ConfigPath)[image]
	if !ok {
		return foreignBase{}, false, nil
	}
	return foreignBase{key: rec.Key, ref: rec.Ref()}, true, nil
}

// announce puts this call's images on the run's Board: a project that
// builds FROM one of them learns its key and tag now, and waits for its
// build. Kept images exist already.
func (r *buildRun) announce(reqs []imagebuild.Request, decisions []imagebuild.Decision) {
	b := r.opts.Connections.Board
	if b == nil || r.opts.Explain {
		return
	}
	r.announced = map[string]*imagebuild.Announced{}
	for i, req := range reqs {
		a := b.Announce(r.opts.Config.Path, req.Name, req.Key, exactRef(req, decisions[i]))
		if !decisions[i].Rebuild {
			a.Finish(true)
		}
		r.announced[req.Name] = a
	}
}

// finishAnnounced ends the announcements of this call's images: built as
// the outcomes say, the others not built (the call stopped before).
func (r *buildRun) finishAnnounced(outcomes []imagebuild.Outcome) {
	for _, o := range outcomes {
		if a := r.announced[o.Request.Name]; a != nil {
			a.Finish(o.Status == imagebuild.StatusBuilt || o.Status == imagebuild.StatusShared)
		}
	}
	for _, a := range r.announced {
		a.Finish(false)
	}
}

// awaits lists, per rebuilt request, the dependencies' builds in this run
// that it builds FROM, for the scheduler to wait for.
func (r *buildRun) awaits(rebuild []imagebuild.Request, g *imagebuild.Graph) [][]*imagebuild.Announced {
	if len(r.foreign) == 0 {
		return nil
	}
	out := make([][]*imagebuild.Announced, len(rebuild))
	for i, req := range rebuild {
		for _, ref := range g.Refs[req.Name] {
			if fb, ok := r.foreign[ref.Image]; ok && fb.announced != nil && !slices.Contains(out[i], fb.announced) {
				out[i] = append(out[i], fb.announced)
			}
		}
	}
	return out
}

func ended(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
