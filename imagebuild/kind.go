package imagebuild

import (
	"encoding/json"
	"fmt"

	"github.com/devspace-engine/devspace/config"
)

// A Kind is one image builder as the build core sees it: how an `images:`
// entry asks for it, where the images it builds live, and which of its
// options change the image. Each builder declares its own (docker.Kind,
// kaniko.Kind, …) and buildimages wires them, so the core has no case per
// builder.
type Kind struct {
	// Name is the builder's section under images.* (docker, buildKit,
	// kaniko, custom). It is part of the build key: never rename one.
	Name string
	// Claims says whether an image asks for this builder (has its section).
	Claims func(img *config.Image) bool
	// Place says where an image built from img lives; nil means
	// PlaceUnknown.
	Place func(img *config.Image) Place
	// Options returns the builder's options that change the image it
	// builds, JSON-encoded into the build key; nil means none. Where and
	// how it builds (daemon, namespace, resources, cache) stay out, so
	// moving a build does not rebuild it. Never change the encoding of an
	// existing kind: users' caches would miss.
	Options func(img *config.Image) any
	// Args returns the builder's docker-style flags of img (docker.args,
	// buildKit.args), which a Request understands; nil means it has none.
	Args func(img *config.Image) []string
	// Watch is set for a builder that runs a command of its own instead of
	// building a Dockerfile (custom): no Dockerfile is read, the key covers
	// the files its globs match (relative to the config directory), and an
	// image without globs is rebuilt on every call.
	Watch func(img *config.Image) []string
}

// Place is where a built image lives, which is where it is looked up
// before a skip.
type Place int

const (
	// PlaceUnknown images are trusted to the cache: a custom command's
	// result could be anywhere.
	PlaceUnknown Place = iota
	// PlaceDaemon images are in a Docker Engine's image store (and, when
	// pushed, in a registry the daemon reaches).
	PlaceDaemon
	// PlaceRegistry images were built in the cluster and exist only in a
	// registry.
	PlaceRegistry
)

// Disabled is the kind of an image with `disabled: true`: it is never
// built and has no key.
var Disabled = &Kind{Name: "disabled"}

// Kinds are the builders an image can ask for.
type Kinds struct {
	// Default builds an image that asks for none.
	Default *Kind
	// List are the builders in the order they claim an image: the first
	// whose section the image has builds it.
	List []*Kind
}

// Of picks img's builder: Disabled, else the first in List that claims
// it, else Default.
func (ks Kinds) Of(img *config.Image) *Kind {
	if img.Disabled {
		return Disabled
	}
	for _, k := range ks.List {
		if k.Claims(img) {
			return k
		}
	}
	return ks.Default
}

// String is the kind's name.
func (k *Kind) String() string {
	if k == nil {
		return ""
	}
	return k.Name
}

// Where says where an image built from img by k lives.
func (k *Kind) Where(img *config.Image) Place {
	if k == nil || k.Place == nil {
		return PlaceUnknown
	}
	if img == nil {
		img = &config.Image{}
	}
	return k.Place(img)
}

// watches says whether k runs a command of its own (see Kind.Watch).
func (k *Kind) watches() bool { return k != nil && k.Watch != nil }

// options encodes k's options of img that change the image it builds, as
// they enter the build key: "" when there are none.
func (k *Kind) options(img *config.Image) string {
	if img == nil || k == nil || k.Options == nil {
		return ""
	}
	v := k.Options(img)
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if string(b) == "{}" {
		return ""
	}
	return string(b)
}

// Place says where req's image lives once built (see Kind.Place).
func (r Request) Place() Place { return r.Kind.Where(r.Config) }

// OnDaemon reports whether the image builds on a Docker Engine. Only such
// images are looked up in the daemon (or through it, in the registry)
// before a skip.
func (r Request) OnDaemon() bool { return r.Place() == PlaceDaemon }

// InCluster reports whether the image builds in the cluster. Such images
// exist only in a registry.
func (r Request) InCluster() bool { return r.Place() == PlaceRegistry }
