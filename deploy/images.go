package deploy

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/runvars"
)

// Images is what deployments need from the runtime store.
type Images interface {
	// Lookup resolves a runtime variable without its "runvars." prefix,
	// e.g. "images.app.tag".
	Lookup(key string) (string, error)
	// Built lists the images of `images:` with the reference deployments
	// should use (repository as configured, tag from the last build or the
	// config) and whether this run built them.
	Built() []BuiltImage
}

// BuiltImage is one image deployments may point at.
type BuiltImage struct {
	Name, Repository, Tag string
	// Configured is images.NAME.image when the image lives elsewhere
	// (the local registry renames it): references to either name match.
	Configured string
	// Fresh is true when this run built the image.
	Fresh bool
}

// Ref is repository:tag.
func (b BuiltImage) Ref() string { return b.Repository + ":" + b.Tag }

// resolveRuntime replaces every ${runvars.KEY} in s.
func resolveRuntime(s string, images Images) (string, error) {
	return runvars.Expand(s, images.Lookup)
}

// imageTable matches image references against the built images by
// repository.
type imageTable map[string]BuiltImage // normalized repository → image

func newImageTable(images []BuiltImage) imageTable {
	t := imageTable{}
	for _, img := range images {
		if img.Tag == "" {
			continue
		}
		for _, repo := range []string{img.Configured, img.Repository} {
			if named, err := reference.ParseNormalizedNamed(repo); err == nil && repo != "" {
				t[named.Name()] = img
			}
		}
	}
	return t
}

// match returns the built image that value refers to: the same repository,
// with any tag or none. A digest pins an exact image and is left alone, as
// is anything that is not an image reference.
func (t imageTable) match(value string) (BuiltImage, bool) {
	if len(t) == 0 || value == "" || strings.ContainsAny(value, " \t\n$") {
		return BuiltImage{}, false
	}
	named, err := reference.ParseNormalizedNamed(value)
	if err != nil {
		return BuiltImage{}, false
	}
	if _, pinned := named.(reference.Digested); pinned {
		return BuiltImage{}, false
	}
	img, ok := t[named.Name()]
	return img, ok
}

// ResolveImage is what an `image` field of a manifest becomes, for an
// image name written elsewhere in the config (dev.*.devImage): its
// ${runtime.…} resolved, then, when it names a built image's repository,
// the built tag put in (see imageTable.match).
func ResolveImage(value string, images Images) (string, error) {
	s, err := resolveRuntime(value, images)
	if err != nil {
		return "", err
	}
	if img, ok := newImageTable(images.Built()).match(s); ok {
		return img.Ref(), nil
	}
	return s, nil
}

// rewrite walks one object: it resolves ${runtime.…} in every string and,
// when replace is set, points every field named `image` whose value is a
// built image's repository at the built tag. No other field is changed, so
// an env value or a container name that happens to equal a repository
// stays as written. It reports the fresh images it put in.
func rewrite(obj *unstructured.Unstructured, t imageTable, images Images, replace bool) (fresh []string, err error) {
	w := &rewriter{table: t, images: images, replace: replace}
	_, err = w.walk(obj.Object, "", "")
	return w.fresh, err
}

// rewriteValues does the same for Helm values, where charts also spell an
// image as a map: {repository: REPO, tag: TAG}. When REPO is a built
// image's repository, tag becomes the built tag.
func rewriteValues(values map[string]any, t imageTable, images Images, replace bool) (fresh []string, err error) {
	w := &rewriter{table: t, images: images, replace: replace, repoMaps: true}
	_, err = w.walk(values, "", "")
	return w.fresh, err
}

type rewriter struct {
	table    imageTable
	images   Images
	replace  bool
	repoMaps bool
	fresh    []string
}

func (w *rewriter) walk(v any, key, path string) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			nv, err := w.walk(child, k, path+"."+k)
			if err != nil {
				return nil, err
			}
			v[k] = nv
		}
		if w.replace && w.repoMaps {
			w.repositoryMap(v)
		}
	case []any:
		for i, child := range v {
			nv, err := w.walk(child, key, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			v[i] = nv
		}
	case string:
		s, err := resolveRuntime(v, w.images)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", strings.TrimPrefix(path, "."), err)
		}
		if w.replace && key == "image" {
			if img, ok := w.table.match(s); ok {
				w.used(img)
				return img.Ref(), nil
			}
		}
		return s, nil
	}
	return v, nil
}

// repositoryMap sets the tag of an {repository, tag} image map whose
// repository (written without a tag) is a built image.
func (w *rewriter) repositoryMap(m map[string]any) {
	repo, ok := m["repository"].(string)
	if !ok {
		return
	}
	if _, hasTag := m["tag"]; !hasTag && len(m) > 1 && m["pullPolicy"] == nil {
		return // a map that merely has a "repository" field
	}
	named, err := reference.ParseNormalizedNamed(repo)
	if err != nil || !reference.IsNameOnly(named) {
		return
	}
	if img, ok := w.table.match(repo); ok {
		if img.Configured != "" {
			m["repository"] = img.Repository
		}
		m["tag"] = img.Tag
		w.used(img)
	}
}

func (w *rewriter) used(img BuiltImage) {
	if img.Fresh {
		w.fresh = append(w.fresh, img.Name)
	}
}
