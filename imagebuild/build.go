// Package imagebuild is the image-build core behind build_images: it turns
// `images:` entries into build requests (paths, in-memory Dockerfile,
// tags), computes each image's build key, decides whether to skip, runs
// builders in parallel under one process-wide limit, and records results
// in the cache and the runtime store. Builders (Docker Engine, custom
// command, in-cluster) implement the one-method Builder interface, live in
// their own packages and describe themselves to the core with a Kind; the
// core has no case per builder.
package imagebuild

import (
	"context"
	"io"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/redact"
)

// Request is everything one image build needs, fully resolved.
type Request struct {
	// Name is the key under `images:`.
	Name string
	// Kind is the builder that builds this image (see Kinds.Of).
	Kind *Kind
	// Config is the decoded `images:` entry, for builder-specific options
	// (docker args, custom command, …). Builders must not modify it.
	Config *config.Image
	// Dir is the config directory: relative paths resolve here and custom
	// build commands run here.
	Dir string
	// Image is the repository, without a tag.
	Image string
	// Tags are all tags to apply; none contains '#'. Tags[0] is the one
	// deployments and runtime variables use. When no tag was configured,
	// Hasher.Key sets the key-derived default tag and DefaultTag.
	Tags []string
	// TagTemplates are Tags as configured or given with -t, before each
	// '#' became a random letter: an unchanged image keeps the letters of
	// its previous build instead of being rebuilt for new ones.
	TagTemplates []string
	// DefaultTag says Tags is the key-derived default, not configured.
	DefaultTag bool
	// ContextDir is the absolute build context directory.
	ContextDir string
	// Dockerfile is the absolute path of the Dockerfile on disk (it may lie
	// outside ContextDir).
	Dockerfile string
	// DockerfileText is the Dockerfile after in-memory rewriting
	// (appended instructions, entrypoint, cmd); the file on disk is never
	// changed. Builders send this text, not the file.
	DockerfileText []byte
	// KeyDockerfile is the text the key was computed from when
	// DockerfileText was changed afterwards (project bases pinned to the
	// exact tags built); nil when they are the same.
	KeyDockerfile []byte
	// BuildArgs, Target and Network are the image's fields, overridden by
	// the same flags in its builder's args (as the docker CLI would).
	BuildArgs map[string]*string
	Target    string
	Network   string
	// Options are the rest of the builder's args, understood (labels,
	// hosts, no-cache, pull, secrets, ssh); secret and key paths are
	// absolute. Secrets hold names, never values: builders read them when
	// they build.
	Options config.BuildOptions
	// Getenv reads the calling shell's environment (secrets from env=,
	// $SSH_AUTH_SOCK); nil means os.Getenv.
	Getenv func(string) string
	// RebuildStrategy is "", "default", "always" or "ignoreContextChanges".
	RebuildStrategy string
	// OnChange are the file globs of a builder that runs its own command
	// (see Kind.Watch), absolute; the key
	// covers the files they match instead of a build context.
	OnChange []string
	// Key is the build key: a hex digest of every input that affects the
	// image's content. Set by Hasher.Key.
	Key string
	// Parts are the digests the key is made of, kept in the cache so a
	// rebuild can say what changed. Set by Hasher.Key.
	Parts KeyParts
	// Bases are the base images folded into the key by FoldBases:
	// external references → digest, "image:REPO" → that image's key.
	Bases map[string]string
	// Files are the context files after .dockerignore, exactly as hashed
	// into the key, sorted by path; builders send these. For a builder
	// that runs its own command (custom) they are the matches of OnChange,
	// relative to Dir. Set by Hasher.Key.
	Files []ContextFile
	// Named are the local named build contexts' files (--build-context
	// NAME=DIR) after that directory's own .dockerignore, exactly as
	// hashed into the key, sorted by name; builders send these. Set by
	// Hasher.Key.
	Named []NamedFiles
	// Push says whether to push every tag after building.
	Push bool
	// RegistryForgets says the registry may lose images (the local
	// registry's emptyDir, or a new one): a skip then checks the tags are
	// still there, even a key-derived tag the record would vouch for.
	RegistryForgets bool
	// Insecure allows plain HTTP and unverified TLS to the registry.
	Insecure bool
	// Log receives the build's output, already prefixed for this image.
	Log io.Writer
	// Secrets are the run's secret values: masked in the build's log and
	// stored only hashed in its inputs. Nil means none.
	Secrets *redact.Set
	// Sent counts the build context the builder sends (set by Schedule
	// for each build; nil counts nothing).
	Sent *Sent
}

// Ref returns image:tag for the first tag.
func (r Request) Ref() string {
	if len(r.Tags) == 0 {
		return r.Image
	}
	return r.Image + ":" + r.Tags[0]
}

// Result is what a build produced.
type Result struct {
	// ID is the image ID in the builder's store (e.g. sha256:… on a daemon).
	ID string
	// Digest is the registry digest of the pushed manifest, when pushed.
	Digest string
}

// Builder builds one image.
type Builder interface {
	Build(ctx context.Context, req Request) (Result, error)
}

// BuilderFunc adapts a function to Builder.
type BuilderFunc func(ctx context.Context, req Request) (Result, error)

// Build calls f.
func (f BuilderFunc) Build(ctx context.Context, req Request) (Result, error) { return f(ctx, req) }
