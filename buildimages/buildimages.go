// Package buildimages is the build_images use case: from a list of image
// names to built, tagged and pushed images. It loads the build cache,
// resolves the requests and their project bases, keys them, decides what
// to rebuild, builds the rest in parallel with the builder of each image's
// kind (Docker Engine, kaniko, BuildKit, a custom command), records the
// outcomes and reports them. The parts it puts together live in build/;
// the builders in docker/, kaniko/ and buildkit/.
package buildimages

import (
	"context"
	"io"
	"sync"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/localregistry"
	"github.com/devspace-engine/devspace/redact"
	"github.com/devspace-engine/devspace/runvars"
)

// Options are one build_images call: what to build, how, and the
// services it may use.
type Options struct {
	Config *config.Config
	// Names are the images to build, in the order given; they exist in
	// Config.Images (or Patch makes them).
	Names []string
	// Patch changes the images for this call (--set, --from, …).
	Patch config.SetValues

	// Tags replace the images' tags: (-t).
	Tags []string
	// SkipPush pushes nothing; SkipPushLocal pushes nothing when the kube
	// context is a local cluster that can use the images without a push.
	SkipPush, SkipPushLocal bool
	// Force rebuilds even when nothing changed.
	Force bool
	// Sequential builds one image at a time, in the order given.
	Sequential bool
	// KeepGoing lets the other images finish when one fails.
	KeepGoing bool
	// NoDeps leaves out the project images the selected ones build FROM.
	NoDeps bool
	// Explain decides and prints, per image, build or skip and why, and
	// builds nothing.
	Explain bool
	// MaxConcurrent bounds this call's builds inside the process-wide
	// limits (0: those limits alone).
	MaxConcurrent int

	Output      Output
	Connections Connections
	// Runtime receives each image's runtime variables (image, tag) as soon
	// as it is skipped or built.
	Runtime *runvars.Store
	// Secrets are masked in build logs and recorded inputs.
	Secrets *redact.Set
	// Getenv reads the calling shell's environment.
	Getenv func(string) string
	// Shell runs custom build commands and the commands that load images
	// into a local cluster.
	Shell Shell
	// Events receives before:build, before:build:NAME, skip:build:NAME,
	// after:build:NAME, error:build:NAME and after:build, for hooks.
	Events engine.Events
}

// Output is where a call writes.
type Output struct {
	// Log receives the builds' output, each line prefixed with its image.
	Log io.Writer
	// Stderr receives warnings, notes and failures.
	Stderr io.Writer
	// Report, when set, receives the JSON report of the call.
	Report io.Writer
	// Silent prints no progress (builds still write their log files).
	Silent bool
	// Lines returns a writer that writes whole lines to out, each
	// starting with prefix, under lock, and drops blank ones.
	Lines func(lock *sync.Mutex, out io.Writer, prefix string) LineWriter
}

// LineWriter writes whole lines; Flush writes what is left of the last.
type LineWriter interface {
	io.Writer
	Flush() error
}

// Connections are the process's connections, each made on first use: a
// call that builds nothing on a daemon or in the cluster reaches neither.
type Connections struct {
	Docker func(ctx context.Context) (*docker.Builder, error)
	Kube   func() (*kube.Client, error)
	// Limiter bounds concurrent builds across the process, ClusterLimiter
	// those in the cluster (nil: none of their own).
	Limiter, ClusterLimiter *imagebuild.Limiter
	// Board shares the images of every project's build_images calls in
	// the run; Upstream lists the dependencies the calling project runs,
	// whose images its Dockerfiles may build FROM (nil: none).
	Board    *imagebuild.Board
	Upstream func(ctx context.Context) []Upstream
	// LocalRegistry starts, or reuses, the in-cluster registry that cfg's
	// localRegistry describes, reachable from this machine while the
	// process runs; log hears what it did.
	LocalRegistry func(ctx context.Context, cfg *config.Config, log io.Writer) (*localregistry.Registry, error)
}

// Shell runs commands as the calling script would (its functions,
// builtins, PATH and environment).
type Shell interface {
	// Exec runs args in dir with out as stdout and stderr; an empty dir
	// and a nil out mean the caller's.
	Exec(ctx context.Context, dir string, out io.Writer, args []string) error
	// Script runs a shell script from the config in dir, output to out.
	Script(ctx context.Context, name, text string, source config.ScriptSource, dir string, out io.Writer) error
	// LookPath says whether a program is on the caller's PATH.
	LookPath(name string) error
}

// Results are what a call did, per image in build order.
type Results struct {
	Outcomes []imagebuild.Outcome
	Report   []imagebuild.ImageReport
}

// Run builds the images of opts. Build failures are printed (with the
// tail of each failed image's log) and returned as one error.
func Run(ctx context.Context, opts Options) (Results, error) {
	r := &buildRun{opts: opts, toRegistry: map[string]bool{}}
	return r.execute(ctx)
}
