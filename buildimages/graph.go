package buildimages

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/devspace-engine/devspace/imagebuild"
)

// graph orders the requests bases first. Unless --no-deps, images the
// selected ones build on are added (they are built too when their keys
// changed). It prints the order once when any image has a project base.
func (r *buildRun) graph(reqs []imagebuild.Request) ([]imagebuild.Request, *imagebuild.Graph, error) {
	repos := map[string]string{}
	for name, img := range r.opts.Config.Images {
		repos[name] = img.Image
	}
	for {
		g, err := imagebuild.NewGraph(reqs, repos)
		if err != nil {
			return nil, nil, err
		}
		missing := missingBases(reqs, g)
		if len(missing) == 0 || r.opts.NoDeps {
			reqs = inOrder(reqs, g.Order)
			r.printOrder(reqs, g)
			return reqs, g, nil
		}
		for _, name := range missing {
			req, err := r.request(name)
			if err != nil {
				return nil, nil, err
			}
			reqs = append(reqs, req)
		}
	}
}

// missingBases lists the project images the requests build on that are
// not among them.
func missingBases(reqs []imagebuild.Request, g *imagebuild.Graph) []string {
	var out []string
	for _, req := range reqs {
		for _, dep := range g.Deps[req.Name] {
			if !slices.ContainsFunc(reqs, func(o imagebuild.Request) bool { return o.Name == dep }) && !slices.Contains(out, dep) {
				out = append(out, dep)
			}
		}
	}
	return out
}

// inOrder sorts reqs as order names them; requests it does not name keep
// their place after those it does.
func inOrder(reqs []imagebuild.Request, order []string) []imagebuild.Request {
	rank := map[string]int{}
	for i, n := range order {
		rank[n] = i
	}
	out := slices.Clone(reqs)
	slices.SortStableFunc(out, func(a, b imagebuild.Request) int {
		ra, oka := rank[a.Name]
		rb, okb := rank[b.Name]
		switch {
		case oka && okb:
			return ra - rb
		case oka:
			return -1
		case okb:
			return 1
		}
		return 0
	})
	return out
}

func (r *buildRun) printOrder(reqs []imagebuild.Request, g *imagebuild.Graph) {
	if r.opts.Output.Silent || !slices.ContainsFunc(reqs, func(q imagebuild.Request) bool { return len(g.Deps[q.Name]) > 0 }) {
		return
	}
	var steps []string
	for _, q := range reqs {
		if deps := g.Deps[q.Name]; len(deps) > 0 {
			steps = append(steps, q.Name+" (after "+strings.Join(deps, ", ")+")")
		} else {
			steps = append(steps, q.Name)
		}
	}
	fmt.Fprintf(r.opts.Output.Log, "build order: %s\n", strings.Join(steps, ", "))
}

// baseDigests resolves the external base images of docker builds: the
// daemon's image when it has it, else the registry's digest; and the
// commits of Git build contexts. A lookup that fails falls back to the
// digest of the image's last build, with a warning; without one it is an
// error.
func (r *buildRun) baseDigests(ctx context.Context, reqs []imagebuild.Request, g *imagebuild.Graph) (map[string]string, error) {
	var refs []string
	gits := map[string]string{} // Git contexts: as shown → as written
	for _, req := range reqs {
		for _, ref := range g.Refs[req.Name] {
			switch {
			case ref.Image != "":
			case ref.Instr == imagebuild.InstrGitContext:
				gits[ref.Ref] = imagebuild.GitContextURL(req, ref)
			case !slices.Contains(refs, ref.Ref):
				refs = append(refs, ref.Ref)
			}
		}
	}
	out, failed := map[string]string{}, map[string]error{}
	if len(refs) > 0 {
		found, errs, err := r.lookUpBases(ctx, reqs, refs)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, found)
		maps.Copy(failed, errs)
	}
	gitCommits(ctx, gits, out, failed)
	for ref, lookupErr := range failed {
		what := "base image"
		if _, ok := gits[ref]; ok {
			what = "build context"
		}
		last, ok := r.lastBaseDigest(reqs, ref)
		if !ok {
			return nil, fmt.Errorf("%s %s: %w", what, ref, lookupErr)
		}
		fmt.Fprintf(r.opts.Output.Stderr, "build_images: warning: %s %s: %v; using the digest of its last build, %s\n", what, ref, lookupErr, last)
		out[ref] = last
	}
	return out, nil
}

// lookUpBases resolves external base images: through the daemon when an
// image builds there (its local copy is what a build uses), else, for
// builds in the cluster, in the registries alone.
func (r *buildRun) lookUpBases(ctx context.Context, reqs []imagebuild.Request, refs []string) (map[string]string, map[string]error, error) {
	found, failed := map[string]string{}, map[string]error{}
	if slices.ContainsFunc(reqs, imagebuild.Request.OnDaemon) {
		d, err := r.opts.Connections.Docker(ctx)
		if err != nil {
			return nil, nil, err
		}
		digests, errs := d.BaseDigests(ctx, refs, false)
		for ref, bd := range digests {
			found[ref] = bd.Digest
		}
		return found, errs, nil
	}
	reg, err := r.registry()
	if err != nil {
		return nil, nil, err
	}
	for _, ref := range refs {
		if d, err := reg.Digest(ctx, ref); err != nil {
			failed[ref] = err
		} else {
			found[ref] = d
		}
	}
	return found, failed, nil
}

// lastBaseDigest is the digest ref had when an image using it was last
// built.
func (r *buildRun) lastBaseDigest(reqs []imagebuild.Request, ref string) (string, bool) {
	for _, req := range reqs {
		if in, ok := r.cache.PreviousInputs(req.Name); ok {
			if d, ok := in.Bases[ref]; ok {
				return d, true
			}
		}
	}
	return "", false
}

// recordedKeys are the build keys of project images that are bases but not
// built in this call (--no-deps), from their last build.
func (r *buildRun) recordedKeys(reqs []imagebuild.Request, g *imagebuild.Graph) (map[string]string, error) {
	keys := map[string]string{}
	for _, name := range missingBases(reqs, g) {
		rec, ok := r.cache.Image(name)
		if !ok {
			return nil, fmt.Errorf("image %q is a base of the selected images and has never been built: build it too, or drop --no-deps", name)
		}
		keys[name] = rec.Key
	}
	return keys, nil
}

// pinBases points each rebuilt image's project bases at the exact tag
// this run built or kept, in its in-memory Dockerfile, and returns each
// request's bases (indexes in rebuild) for the scheduler.
func (r *buildRun) pinBases(rebuild []imagebuild.Request, all []imagebuild.Request, decisions []imagebuild.Decision, g *imagebuild.Graph) [][]int {
	exact := map[string]string{}
	for i, req := range all {
		if ref := exactRef(req, decisions[i]); ref != "" {
			exact[req.Name] = ref
		}
	}
	for name, fb := range r.foreign {
		exact[name] = fb.ref
	}
	for _, deps := range g.Deps { // bases not built in this call (--no-deps)
		for _, name := range deps {
			if _, ok := exact[name]; !ok {
				if rec, ok := r.cache.Image(name); ok {
					exact[name] = rec.Ref()
				}
			}
		}
	}
	deps := make([][]int, len(rebuild))
	for i := range rebuild {
		req := &rebuild[i]
		if !slices.ContainsFunc(g.Refs[req.Name], func(b imagebuild.BaseRef) bool { return b.Image != "" }) {
			continue
		}
		req.KeyDockerfile = req.DockerfileText
		req.DockerfileText = imagebuild.RewriteBaseRefs(req.DockerfileText, g.Refs[req.Name], exact)
		req.Options.Contexts = imagebuild.PinContexts(req.Options.Contexts, g.Refs[req.Name], exact)
		for _, dep := range g.Deps[req.Name] {
			if j := slices.IndexFunc(rebuild[:i], func(o imagebuild.Request) bool { return o.Name == dep }); j >= 0 {
				deps[i] = append(deps[i], j)
			}
		}
	}
	return deps
}

// exactRef is the image:tag a decided image is built or kept as.
func exactRef(req imagebuild.Request, d imagebuild.Decision) string {
	if len(d.Tags) == 0 {
		return ""
	}
	return req.Image + ":" + d.Tags[0]
}
