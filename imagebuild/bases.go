package imagebuild

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/distribution/reference"
	"maps"
	"slices"
	"strings"
)

// projectBasePrefix marks a project image among a request's Bases.
const projectBasePrefix = "image:"

// FoldBases puts each request's base images into its key: an external
// reference by its digest (digests[ref]), a project image by its build
// key, so that a changed or re-pushed base changes every dependant's key
// and, through it, their default tags. reqs must be in build order (bases
// first). A base image outside reqs (built earlier, not selected) enters
// by its recorded key, from keys.
func FoldBases(reqs []Request, g *Graph, digests map[string]string, keys map[string]string) error {
	byName := map[string]*Request{}
	for i := range reqs {
		byName[reqs[i].Name] = &reqs[i]
	}
	for i := range reqs {
		r := &reqs[i]
		bases := map[string]string{}
		for _, ref := range g.Refs[r.Name] {
			switch {
			case ref.Image != "":
				key := keys[ref.Image]
				if b := byName[ref.Image]; b != nil {
					key = b.Key
				}
				bases[projectBasePrefix+repoOf(byName, ref)] = key
			default:
				d, ok := digests[ref.Ref]
				if !ok {
					return fmt.Errorf("image %q: no digest for its base %s", r.Name, ref.Ref)
				}
				bases[ref.Ref] = d
			}
		}
		if len(bases) == 0 || r.Key == "" {
			continue
		}
		r.Bases = bases
		r.Parts.Bases = digestBases(bases)
		r.Key = r.Parts.Key()
		if r.DefaultTag {
			r.Tags = []string{DefaultTag(r.Key)}
		}
	}
	return nil
}

// repoOf names a project base by its repository, as users write it.
func repoOf(byName map[string]*Request, ref BaseRef) string {
	if b := byName[ref.Image]; b != nil {
		return b.Image
	}
	if named, err := reference.ParseNormalizedNamed(ref.Ref); err == nil {
		return reference.FamiliarName(named)
	}
	return ref.Image
}

func digestBases(bases map[string]string) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(bases)) {
		fmt.Fprintf(h, "%s\x00%s\x00", k, bases[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// MarkRebuiltBases rewords "base REPO changed" as "base REPO rebuilt in
// this run" where that base is itself rebuilt in this run (decisions[i] is
// reqs[i]'s).
func MarkRebuiltBases(reqs []Request, decisions []Decision) {
	rebuilt := map[string]bool{}
	for i, d := range decisions {
		if d.Rebuild {
			rebuilt[reqs[i].Image] = true
		}
	}
	for i := range decisions {
		for j, reason := range decisions[i].Reasons {
			repo, ok := strings.CutPrefix(reason, "base ")
			if repo, ok = strings.CutSuffix(repo, " changed"); ok && rebuilt[repo] {
				decisions[i].Reasons[j] = "base " + repo + " rebuilt in this run"
			}
		}
	}
}
