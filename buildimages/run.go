package buildimages

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/devspace-engine/devspace/imagebuild"
)

// buildRun is one build_images call: requests, keys, skip decisions,
// the parallel builds, and what is recorded afterwards.
type buildRun struct {
	opts  Options
	cache *imagebuild.Cache
	// hasher computed the keys (without the lists of context files).
	hasher *imagebuild.Hasher
	logs   []LineWriter
	// logMu keeps the lines of this call's parallel builds whole. It is
	// not the engine's output lock: inside run_pipelines the output is
	// itself a writer that takes that lock, and holding it while writing
	// there would deadlock.
	logMu sync.Mutex

	skipPushOnce sync.Once
	noPush       bool

	cluster clusterBuilders
	local   localBuildKit

	// foreign are the bases this call's images take from dependencies,
	// by their graph names; announced are this call's own images on the
	// run's Board, by name.
	foreign   map[string]foreignBase
	announced map[string]*imagebuild.Announced

	// bases are each image's project bases and reasons the decision on
	// it, for the events; both are set before any build starts.
	bases   map[string][]string
	reasons map[string]string
	// toRegistry are the images that go to the in-cluster local registry.
	toRegistry map[string]bool
}

func (r *buildRun) execute(ctx context.Context) (Results, error) {
	cfg := r.opts.Config
	cache, warning := imagebuild.LoadCache(cfg.Path)
	if warning != nil {
		fmt.Fprintf(r.opts.Output.Stderr, "build_images: warning: %v\n", warning)
	}
	r.cache = cache
	defer r.flushLogs()
	defer r.closeCluster()
	defer r.closeLocal()
	defer r.finishAnnounced(nil) // what was not built by now will not be
	if err := r.emit(ctx, "before:build", nil); err != nil {
		return Results{}, err
	}
	reqs, g, err := r.keyedRequests(ctx)
	if err != nil {
		return Results{}, err
	}
	decisions, rebuild, err := r.decide(ctx, reqs)
	if err != nil {
		return Results{}, err
	}
	if r.opts.Explain {
		// Nothing is built or recorded, but the file hashes learnt are
		// kept: a later run need not read those files again.
		r.saveCache()
		return Results{}, nil
	}
	r.recordFound(reqs, decisions)
	deps := r.pinBases(rebuild, reqs, decisions, g)
	if err := r.connect(ctx, rebuild); err != nil {
		return Results{}, err
	}
	outcomes, buildErr := imagebuild.Schedule(ctx, rebuild, r.oneAtATime(r.withEvents(r.builder())), imagebuild.ScheduleOptions{
		Limiter: r.limiter(), ClusterLimiter: r.clusterLimiter(), Sequential: r.opts.Sequential, KeepGoing: r.opts.KeepGoing,
		LogDir: imagebuild.LogDir(cfg.Path), OnDone: r.done, Deps: deps, Await: r.awaits(rebuild, g),
	})
	r.finishAnnounced(outcomes)
	cache.RecordOutcomes(outcomes)
	r.saveCache()
	r.flushLogs()
	res := Results{Outcomes: outcomes, Report: imagebuild.Report(reqs, decisions, outcomes)}
	if r.opts.Output.Report != nil {
		if err := writeReport(r.opts.Output.Report, res.Report); err != nil {
			return res, err
		}
	}
	if buildErr != nil {
		return res, r.failure(outcomes, buildErr)
	}
	if err := r.loadIntoCluster(ctx, outcomes); err != nil {
		return res, err
	}
	return res, r.emit(ctx, "after:build", nil)
}

// saveCache writes the cache; a failure is only a warning (the next run
// rebuilds what it cannot prove unchanged).
func (r *buildRun) saveCache() {
	if err := r.cache.Save(); err != nil {
		fmt.Fprintf(r.opts.Output.Stderr, "build_images: warning: saving the build cache: %v\n", err)
	}
}

// keyedRequests resolves the selected images and their bases, in build
// order, with their keys (base images folded in).
func (r *buildRun) keyedRequests(ctx context.Context) ([]imagebuild.Request, *imagebuild.Graph, error) {
	reqs, err := r.requests()
	if err != nil {
		return nil, nil, err
	}
	reqs, g, err := r.graph(reqs)
	if err != nil {
		return nil, nil, err
	}
	r.bases = g.Deps
	r.fallBackToKaniko(ctx, reqs)
	if err := r.rewriteToLocalRegistry(ctx, reqs); err != nil {
		return nil, nil, err
	}
	r.hasher = imagebuild.NewHasher(r.cache.Memo())
	r.hasher.Progress = r.hashProgress()
	// The lists of context files of images built before are made only
	// when they turn out to be needed (see contextFiles): they are most
	// of a large no-change run's memory. Images never built need them
	// (to be built, or recorded when found in their registry), and their
	// files may be too new for the memo: the walk that computes the key
	// keeps them rather than reading those files twice.
	r.hasher.OmitFiles = func(req *imagebuild.Request) bool {
		_, ok := r.cache.Image(req.Name)
		return ok
	}
	if err := r.hasher.Keys(ctx, reqs); err != nil {
		return nil, nil, err
	}
	if r.foreign, err = r.foreignBases(ctx, reqs, g); err != nil {
		return nil, nil, err
	}
	digests, err := r.baseDigests(ctx, reqs, g)
	if err != nil {
		return nil, nil, err
	}
	keys, err := r.recordedKeys(reqs, g)
	if err != nil {
		return nil, nil, err
	}
	for name, fb := range r.foreign {
		keys[name] = fb.key
	}
	if err := imagebuild.FoldBases(reqs, g, digests, keys); err != nil {
		return nil, nil, err
	}
	return reqs, g, r.contextFiles(ctx, reqs, nil)
}

// contextFiles lists the context files of the images whose key is not
// their record's (deciding says which files changed, and a build or a find
// in the registry records them), and of those in rebuild (when not nil),
// which the builder sends.
func (r *buildRun) contextFiles(ctx context.Context, reqs []imagebuild.Request, rebuild map[string]bool) error {
	return r.hasher.FilesOf(ctx, reqs, func(req imagebuild.Request) bool {
		if rebuild != nil {
			return rebuild[req.Name]
		}
		rec, ok := r.cache.Image(req.Name)
		return !ok || rec.Key != req.Key
	})
}

func (r *buildRun) requests() ([]imagebuild.Request, error) {
	reqs := make([]imagebuild.Request, 0, len(r.opts.Names))
	for _, name := range r.opts.Names {
		req, err := r.request(name)
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, req)
	}
	return reqs, nil
}

// request resolves one image of images: (patched by --set/--from).
func (r *buildRun) request(name string) (imagebuild.Request, error) {
	cfg := r.opts.Config
	img := cfg.Images[name]
	if sv := r.opts.Patch; !sv.Empty() {
		patched, err := cfg.PatchImage(name, sv)
		if err != nil {
			return imagebuild.Request{}, err
		}
		img = patched
	}
	log := r.withLineEvents(name, r.opts.Output.Lines(&r.logMu, r.opts.Output.Log, "build:"+name+" "))
	r.logs = append(r.logs, log)
	skipPush := r.opts.SkipPush
	onDaemon := kinds.Of(img).Where(img) == imagebuild.PlaceDaemon
	switch {
	case onDaemon && r.toLocalRegistry(img, onDaemon):
		r.toRegistry[name] = true // pushed to the local registry, also on a local cluster
	case onDaemon:
		// Only images on a daemon can stay unpushed for a local cluster:
		// one built in the cluster exists only in the registry.
		skipPush = r.skipPush()
	}
	return imagebuild.NewRequest(cfg.Dir, img, imagebuild.RequestOptions{Tags: r.opts.Tags, SkipPush: skipPush, Log: log,
		Secrets: r.opts.Secrets, Getenv: r.opts.Getenv, Kinds: kinds})
}

// decide says, per image, whether to rebuild and why (concurrently: the
// existence checks ask the daemon or the registry); images that are
// skipped get their runtime variables from the previous build right away.
func (r *buildRun) decide(ctx context.Context, reqs []imagebuild.Request) ([]imagebuild.Decision, []imagebuild.Request, error) {
	opts := imagebuild.DecideOptions{Force: r.opts.Force}
	if r.needsLookup(reqs, imagebuild.Request.OnDaemon) {
		d, err := r.opts.Connections.Docker(ctx)
		if err != nil {
			return nil, nil, err
		}
		opts.Locator = d
	}
	if r.needsLookup(reqs, imagebuild.Request.InCluster) {
		reg, err := r.registry()
		if err != nil {
			return nil, nil, err
		}
		opts.Registry = reg
	}
	if r.mayFindPublished(reqs) {
		reg, err := r.registry()
		if err != nil {
			return nil, nil, err
		}
		opts.Published = reg
	}
	decisions, err := imagebuild.DecideAll(ctx, reqs, r.cache, opts)
	if err != nil {
		return nil, nil, err
	}
	imagebuild.MarkRebuiltBases(reqs, decisions)
	rebuilt := map[string]bool{}
	for i, d := range decisions {
		rebuilt[reqs[i].Name] = d.Rebuild
	}
	if err := r.contextFiles(ctx, reqs, rebuilt); err != nil {
		return nil, nil, err
	}
	r.announce(reqs, decisions)
	var rebuild []imagebuild.Request
	r.reasons = make(map[string]string, len(reqs))
	for i, req := range reqs {
		r.reasons[req.Name] = decisions[i].String()
		fmt.Fprintln(req.Log, decisions[i].String())
		if decisions[i].Rebuild {
			rebuild = append(rebuild, req)
			continue
		}
		r.opts.Runtime.SetImage(req.Name, decisions[i].RuntimeImage(req))
		if err := r.skipped(ctx, req); err != nil {
			return nil, nil, err
		}
	}
	return decisions, rebuild, nil
}

// mayFindPublished says whether an image this machine never built (not
// with these inputs) may be found in its registry under its key-derived
// tag: then the registry is asked, for all of them in one concurrent round.
func (r *buildRun) mayFindPublished(reqs []imagebuild.Request) bool {
	if r.opts.Force {
		return false
	}
	for _, req := range reqs {
		if rec, ok := r.cache.Image(req.Name); req.KeyTagPushed() && (!ok || rec.Key != req.Key) {
			return true
		}
	}
	return false
}

// recordFound records the images found in their registry as if built
// here, so the next run decides from the record without asking. Each
// record encodes the image's context files: the images are recorded at
// once.
func (r *buildRun) recordFound(reqs []imagebuild.Request, decisions []imagebuild.Decision) {
	var wg sync.WaitGroup
	for i, d := range decisions {
		if d.FoundIn != "" && !d.Rebuild {
			wg.Go(func() { r.cache.RecordBuild(reqs[i], imagebuild.Result{Digest: d.Digest}) })
		}
	}
	wg.Wait()
}

// needsLookup says whether a skip may hinge on where the images of a kind
// live (the daemon, or the registry for in-cluster builds): an image of
// that kind built before whose record is not trusted (see
// imagebuild.Request.KeyTagPushed), and no --force-rebuild. Otherwise nothing is
// contacted to decide.
func (r *buildRun) needsLookup(reqs []imagebuild.Request, kind func(imagebuild.Request) bool) bool {
	if r.opts.Force {
		return false
	}
	for _, req := range reqs {
		if _, ok := r.cache.Image(req.Name); ok && kind(req) && !req.TrustsRecord() {
			return true
		}
	}
	return false
}

// done records a finished image in the runtime store, so the next script
// line sees its tag (the cache records outcomes when all have finished).
func (r *buildRun) done(o imagebuild.Outcome) {
	if o.Status != imagebuild.StatusBuilt && o.Status != imagebuild.StatusShared {
		return
	}
	if a := r.announced[o.Request.Name]; a != nil {
		a.Finish(true)
	}
	r.opts.Runtime.SetImage(o.Request.Name, o.RuntimeImage())
	fmt.Fprintf(o.Request.Log, "Done building image %s (%s)\n", o.Request.Ref(), o.Duration.Round(time.Millisecond))
}

// connect reaches the Docker daemon, and reads the kubeconfig, before any
// build starts when an image needs them, so that a missing daemon or
// cluster is one clear error, not one per image.
func (r *buildRun) connect(ctx context.Context, reqs []imagebuild.Request) error {
	if slices.ContainsFunc(reqs, needsDocker) {
		if _, err := r.opts.Connections.Docker(ctx); err != nil {
			return err
		}
	}
	if slices.ContainsFunc(reqs, buildsInCluster) {
		if _, err := r.clusterBuilders(); err != nil {
			return err
		}
	}
	return nil
}

// limiter bounds this call's builds by --max-concurrent inside the
// process-wide limit, which holds across every build_images call
// (parallel pipelines, dependencies).
func (r *buildRun) limiter() *imagebuild.Limiter {
	return r.opts.Connections.Limiter.Sub(r.opts.MaxConcurrent)
}

// clusterLimiter is the same for builds in the cluster, under their own
// process-wide bound.
func (r *buildRun) clusterLimiter() *imagebuild.Limiter {
	if r.opts.Connections.ClusterLimiter == nil {
		return nil
	}
	return r.opts.Connections.ClusterLimiter.Sub(r.opts.MaxConcurrent)
}

// failure prints the tail of each failed image's log and names them, and
// the images that were stopped because of them.
func (r *buildRun) failure(outcomes []imagebuild.Outcome, err error) error {
	stderr := r.opts.Output.Stderr
	var failed, cancelled []string
	for _, o := range outcomes {
		if o.Status == imagebuild.StatusCancelled {
			cancelled = append(cancelled, o.Request.Name)
		}
		if o.Status != imagebuild.StatusFailed {
			continue
		}
		failed = append(failed, o.Request.Name)
		fmt.Fprintf(stderr, "build_images: image %q failed: %v\n", o.Request.Name, o.Err)
		if len(o.LogTail) > 0 {
			fmt.Fprintf(stderr, "--- last %d lines of its build log (all of it: %s) ---\n", len(o.LogTail), o.LogFile)
			for _, line := range o.LogTail {
				fmt.Fprintf(stderr, "    %s\n", line)
			}
		}
	}
	if len(failed) == 0 {
		return err
	}
	if len(cancelled) > 0 {
		fmt.Fprintf(stderr, "build_images: cancelled after the failure (use --keep-going to let them finish): %s\n", strings.Join(cancelled, ", "))
	}
	return fmt.Errorf("%d of %d images failed: %s", len(failed), len(outcomes), strings.Join(failed, ", "))
}

func (r *buildRun) flushLogs() {
	for _, l := range r.logs {
		_ = l.Flush()
	}
}

func writeReport(w io.Writer, report []imagebuild.ImageReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(report); err != nil {
		return errors.Join(errors.New("write the build report"), err)
	}
	return nil
}

// hashProgress reports, at most once a second per image, how far hashing a
// big context has got (a first run over a large monorepo reads every
// file; later runs use the memo and finish before the first report).
func (r *buildRun) hashProgress() func(name string, done, total int) {
	var mu sync.Mutex
	last := map[string]time.Time{}
	start := time.Now()
	return func(name string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		finished := total > 0 && done == total
		if time.Since(start) < time.Second || (time.Since(last[name]) < time.Second && !finished) {
			return
		}
		last[name] = time.Now()
		switch {
		case r.opts.Output.Silent:
		case total == 0: // still being listed
			fmt.Fprintf(r.opts.Output.Stderr, "build:%s hashing the context: %d files so far\n", name, done)
		default:
			fmt.Fprintf(r.opts.Output.Stderr, "build:%s hashing the context: %d of %d files\n", name, done, total)
		}
	}
}
