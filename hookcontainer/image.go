package hookcontainer

import (
	"cmp"
	"fmt"
	"regexp"

	"github.com/devspace-engine/devspace/runvars"
)

// legacyHelper is DevSpace's image(NAME) and tag(NAME), which its docs
// still show in hooks' imageSelector and which configs converted from
// DevSpace 5 carry.
var legacyHelper = regexp.MustCompile(`\b(image|tag)\(([^()\s]+)\)`)

// imageSelector resolves an imageSelector: runtime variables first; then
// the name of an image of the config stands for its image and tag (the
// tag just built, else the recorded or configured one), image(NAME) and
// tag(NAME) for either part; anything else is an image reference.
func (r *Runner) imageSelector(value string) (string, error) {
	if r.o.Runtime != nil {
		v, err := runvars.Expand(value, r.o.Runtime.Lookup)
		if err != nil {
			return "", err
		}
		value = v
	}
	if image, tag, ok := r.image(value); ok {
		return withTag(image, tag), nil
	}
	var missing error
	value = legacyHelper.ReplaceAllStringFunc(value, func(m string) string {
		parts := legacyHelper.FindStringSubmatch(m)
		image, tag, ok := r.image(parts[2])
		switch {
		case !ok:
			missing = fmt.Errorf("%s: images has no image %q", m, parts[2])
			return m
		case parts[1] == "tag":
			return cmp.Or(tag, "latest")
		}
		return image
	})
	return value, missing
}

func (r *Runner) image(name string) (image, tag string, ok bool) {
	if r.o.Runtime == nil || name == "" {
		return "", "", false
	}
	img, ok := r.o.Runtime.Image(name)
	return img.Image, img.Tag, ok
}

func withTag(image, tag string) string {
	if tag == "" {
		return image
	}
	return image + ":" + tag
}
