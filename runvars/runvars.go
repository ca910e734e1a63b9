// Package runvars is the one store of runtime variables: the values that
// builtins produce while a pipeline runs (the image and tag build_images
// built, hook output, …) and that scripts (${runtime.images.app.tag}),
// config values and get_image read. It is safe for concurrent use; a read
// always sees the latest write, so a script line after build_images sees the
// new tag.
package runvars

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Image is what the store knows about one image of `images:`.
type Image struct {
	// Image is the repository, e.g. registry.example.com/team/app.
	Image string
	// Tag is the tag deployments use (the first one built).
	Tag string
	// Tags are all tags built in this run.
	Tags []string
	// Digest is the image's content digest, when known.
	Digest string
	// Built is true when this run built (or rebuilt) the image.
	Built bool
}

// Ref returns image:tag, or the bare image when there is no tag.
func (i Image) Ref() string {
	if i.Tag == "" {
		return i.Image
	}
	return i.Image + ":" + i.Tag
}

// Store holds runtime variables. The zero value is not usable; use New.
type Store struct {
	mu sync.RWMutex
	// defaults come from the config (and the last recorded builds); load,
	// when set, computes them on first use, so a run that reads no image
	// pays nothing for them.
	load     func() map[string]Image
	loadOnce sync.Once
	defaults map[string]Image
	images   map[string]Image // recorded by builtins in this run
	values   map[string]string
	// dependency returns the store of a dependency of this project, for
	// runtime.dependencies.NAME.…; nil when the project has none. It may
	// load the dependency (a git checkout), so it takes the reader's ctx.
	dependency func(ctx context.Context, name string) (*Store, error)
}

// SetDependencies makes runtime.dependencies.NAME.KEY resolve KEY in the
// store that lookup returns for the dependency NAME. lookup gets the
// reader's context, or context.Background() from Lookup.
func (s *Store) SetDependencies(lookup func(ctx context.Context, name string) (*Store, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dependency = lookup
}

// New returns a store whose images fall back to the configured defaults.
func New(defaults map[string]Image) *Store {
	return &Store{defaults: defaults, images: map[string]Image{}, values: map[string]string{}}
}

// SetImage records the result of building an image.
func (s *Store) SetImage(name string, img Image) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.images[name] = img
}

// NewLazy returns a store whose defaults load computes once, when a
// runtime variable is first read.
func NewLazy(load func() map[string]Image) *Store {
	return &Store{load: load, images: map[string]Image{}, values: map[string]string{}}
}

func (s *Store) defaultImages() map[string]Image {
	s.loadOnce.Do(func() {
		if s.load != nil {
			s.defaults = s.load()
		}
	})
	return s.defaults
}

// Image returns what is known about an image: the recorded result if any,
// else the configured image with its first tag.
func (s *Store) Image(name string) (Image, bool) {
	defaults := s.defaultImages()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if img, ok := s.images[name]; ok {
		return img, true
	}
	img, ok := defaults[name]
	return img, ok
}

// ImageNames lists the configured images.
func (s *Store) ImageNames() []string {
	defaults := s.defaultImages()
	names := make([]string, 0, len(defaults))
	for n := range defaults {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Set stores a generic value such as "hooks.NAME.stdout".
func (s *Store) Set(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[key] = value
}

// Lookup resolves a runtime variable given without its "runtime." prefix:
// images.NAME (image:tag), images.NAME.image, images.NAME.tag, a generic
// key set with Set, or dependencies.NAME.KEY. Readers that have a context
// use LookupContext, so that loading a dependency stops when it ends.
func (s *Store) Lookup(key string) (string, error) {
	return s.LookupContext(context.Background(), key)
}

// LookupContext is Lookup under ctx: a dependency that
// runtime.dependencies.NAME.… has to load first is loaded under ctx.
func (s *Store) LookupContext(ctx context.Context, key string) (string, error) {
	s.mu.RLock()
	v, ok := s.values[key]
	s.mu.RUnlock()
	if ok {
		return v, nil
	}
	parts := strings.Split(key, ".")
	if parts[0] == "dependencies" {
		return s.lookupDependency(ctx, key, parts)
	}
	if parts[0] != "images" || len(parts) < 2 || len(parts) > 3 {
		return "", fmt.Errorf("unknown runtime variable runtime.%s: known forms are runtime.images.NAME, runtime.images.NAME.image and runtime.images.NAME.tag", key)
	}
	img, ok := s.Image(parts[1])
	if !ok {
		known := "devspace.yaml has no images"
		if names := s.ImageNames(); len(names) > 0 {
			known = "defined: " + strings.Join(names, ", ")
		}
		return "", fmt.Errorf("runtime.%s: image %q is not defined in images (%s)", key, parts[1], known)
	}
	if len(parts) == 2 {
		return img.Ref(), nil
	}
	switch parts[2] {
	case "image":
		return img.Image, nil
	case "tag":
		if img.Tag == "" {
			return "latest", nil
		}
		return img.Tag, nil
	}
	return "", fmt.Errorf("runtime.%s: unknown field %q, use image or tag", key, parts[2])
}

// lookupDependency resolves runtime.dependencies.NAME.KEY in NAME's store.
func (s *Store) lookupDependency(ctx context.Context, key string, parts []string) (string, error) {
	if len(parts) < 3 {
		return "", fmt.Errorf("unexpected runtime variable runtime.%s: use runtime.dependencies.NAME.images.IMAGE (.image or .tag)", key)
	}
	s.mu.RLock()
	lookup := s.dependency
	s.mu.RUnlock()
	if lookup == nil {
		return "", fmt.Errorf("runtime.%s: this project has no dependencies", key)
	}
	dep, err := lookup(ctx, parts[1])
	if err != nil {
		return "", fmt.Errorf("runtime.%s: %w", key, err)
	}
	v, err := dep.LookupContext(ctx, strings.Join(parts[2:], "."))
	if err != nil {
		return "", fmt.Errorf("dependency %s: %w", parts[1], err)
	}
	return v, nil
}

// refPattern is ${runtime.KEY} inside a config value.
var refPattern = regexp.MustCompile(`\$\{runtime\.([A-Za-z0-9_.\-]+)\}`)

// Expand replaces every ${runtime.KEY} in text with lookup(KEY): config
// values (manifests, Helm values, dev image selectors) use runtime
// variables this way. The first failing lookup is returned, naming the
// variable.
func Expand(text string, lookup func(key string) (string, error)) (string, error) {
	if !strings.Contains(text, "${runtime.") {
		return text, nil
	}
	var firstErr error
	out := refPattern.ReplaceAllStringFunc(text, func(m string) string {
		key := refPattern.FindStringSubmatch(m)[1]
		v, err := lookup(key)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("${runtime.%s}: %w", key, err)
		}
		return v
	})
	return out, firstErr
}
