package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/buildkit/identity"
	apibuild "github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/devspace-engine/devspace/imagebuild"
)

// buildBuildKit builds with the daemon's BuildKit, as `docker buildx build`
// does against a daemon: a request with no body names a session that this
// process serves over a hijacked /session connection, from which the daemon
// pulls the Dockerfile, the build context (only the files changed since
// the last build of this context directory) and registry credentials. The
// output is BuildKit's trace, rendered as plain lines. It returns the
// image ID.
func (b *Builder) buildBuildKit(ctx context.Context, req imagebuild.Request, out *lineWriter) (string, error) {
	excludes, err := ignorePatterns(req.ContextDir, req.Dockerfile)
	if err != nil {
		return "", err
	}
	network, err := b.buildkitNetwork(ctx, req.Network, out)
	if err != nil {
		return "", err
	}
	sess, err := newBuildSession(ctx, req, excludes, b.creds)
	if err != nil {
		return "", err
	}
	// The session and the request outlive a cancelled ctx until the daemon
	// has stopped the build (see stopOnCancel).
	bctx, abort := context.WithCancel(context.WithoutCancel(ctx))
	sess.start(bctx, b.api)
	defer func() {
		abort() // first: it ends a dial that still hangs
		sess.stop()
	}()
	progress, err := startProgress(out)
	if err != nil {
		return "", err
	}
	buildID := identity.NewID()
	finished := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { b.stopOnCancel(ctx, buildID, finished, abort) })

	start := time.Now()
	id, err := b.runBuildKit(bctx, req, sess.ID(), buildID, network, progress)
	close(finished)
	wg.Wait()
	progress.close()
	req.Sent.Add(sess.stats.fileBytes.Load())
	switch {
	case ctx.Err() != nil:
		return "", ctx.Err()
	case err != nil && sess.failure() != nil:
		return "", fmt.Errorf("%w (the BuildKit session failed: %v)", err, sess.failure())
	case err != nil:
		return "", err
	}
	st := sess.stats
	out.Line(fmt.Sprintf("sent build context: %d new or changed files, %s (session traffic %s), build took %s",
		st.files.Load(), humanBytes(st.fileBytes.Load()), humanBytes(st.connBytes.Load()), time.Since(start).Round(time.Millisecond)))
	return id, nil
}

// inlineCacheArg is the build arg on which the Engine's BuildKit writes
// the image's cache metadata into its config (--cache-to type=inline).
const inlineCacheArg = "BUILDKIT_INLINE_CACHE"

// cancelGrace bounds the wait for the daemon to end a cancelled build.
const cancelGrace = 3 * time.Second

// stopOnCancel stops the build when ctx ends before finished is closed: it
// asks the daemon to cancel the build, whose stream ends as BuildKit
// kills the build's processes (they are gone within ~15 ms of Build
// returning, measured; TestBuildKitCancelled). The daemon forgets a cancel
// that comes before it registered the build ID, so the request is
// repeated until the stream ends; after cancelGrace, abort drops the
// request, which cancels the build as well.
func (b *Builder) stopOnCancel(ctx context.Context, buildID string, finished <-chan struct{}, abort func()) {
	select {
	case <-finished:
		return
	case <-ctx.Done():
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelGrace)
	defer cancel()
	retry := time.NewTicker(100 * time.Millisecond)
	defer retry.Stop()
	for {
		_, _ = b.api.BuildCancel(cctx, buildID, client.BuildCancelOptions{})
		select {
		case <-finished:
			return
		case <-cctx.Done():
			abort()
			return
		case <-retry.C:
		}
	}
}

func (b *Builder) runBuildKit(ctx context.Context, req imagebuild.Request, sessionID, buildID, network string, progress *buildkitProgress) (string, error) {
	tags := make([]string, len(req.Tags))
	for i, t := range req.Tags {
		tags[i] = req.Image + ":" + t
	}
	cacheFrom, inline, err := engineCache(req)
	if err != nil {
		return "", err
	}
	buildArgs := req.BuildArgs
	if inline {
		buildArgs = maps.Clone(buildArgs)
		if buildArgs == nil {
			buildArgs = map[string]*string{}
		}
		one := "1"
		buildArgs[inlineCacheArg] = &one
	}
	resp, err := b.api.ImageBuild(ctx, nil, client.ImageBuildOptions{
		Version:       apibuild.BuilderBuildKit,
		RemoteContext: "client-session",
		SessionID:     sessionID,
		BuildID:       buildID,
		Tags:          tags,
		Dockerfile:    sessionDockerfile,
		BuildArgs:     buildArgs,
		CacheFrom:     cacheFrom,
		Platforms:     enginePlatforms(req),
		Target:        req.Target,
		NetworkMode:   network,
		Labels:        req.Options.Labels,
		ExtraHosts:    req.Options.AddHosts,
		NoCache:       req.Options.NoCache,
		PullParent:    req.Options.Pull,
	})
	if err != nil {
		// A daemon without BuildKit refuses the request itself; a build
		// that fails reports it in the stream.
		if cerrdefs.IsInvalidArgument(err) || cerrdefs.IsNotImplemented(err) || cerrdefs.IsNotFound(err) {
			return "", fmt.Errorf("%w: %w", errBuildKitRefused, err)
		}
		return "", err
	}
	defer resp.Body.Close()

	var id string
	err = readStream(resp.Body, progress.plain, func(m *message) {
		switch m.ID {
		case auxTrace:
			progress.trace(m.Aux)
		case auxImageID:
			var aux struct{ ID string }
			if json.Unmarshal(m.Aux, &aux) == nil && aux.ID != "" {
				id = aux.ID
			}
		}
	})
	if err != nil {
		var se *StreamError
		if step := progress.failedStep(); step != "" && errors.As(err, &se) {
			err = &StepError{Step: step, Err: err}
		}
		return "", platformError(req, err, progress.sawExecFormatError())
	}
	return b.builtID(ctx, id, tags[0])
}
