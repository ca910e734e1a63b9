package docker

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/tonistiigi/fsutil"

	"github.com/devspace-engine/devspace/imagebuild"
)

// Solve builds req on a BuildKit daemon reached directly (a buildkitd in
// the cluster), with the same inputs as a daemon build through this
// package: exactly the hashed context files, the in-memory Dockerfile
// and the ignore patterns, build args and target. The client's session
// serves them, so the daemon asks only for what changed since its last
// build of this directory (the shared key), and answers its credential
// requests for pulls and pushes from the Docker config here: no
// credential is stored in the cluster. Every tag is pushed when req.Push.
// The daemon's progress is written to out as plain `#N` lines, then what
// the session sent (the files the daemon asked for and their bytes).
func (c *Credentials) Solve(ctx context.Context, bk *bkclient.Client, req imagebuild.Request, out io.Writer) (imagebuild.Result, error) {
	opt, stats, err := c.solveOpt(req)
	if err != nil {
		return imagebuild.Result{}, err
	}
	lines := newLineWriter(out)
	progress, err := startProgress(lines)
	if err != nil {
		return imagebuild.Result{}, err
	}
	statusCh := make(chan *bkclient.SolveStatus)
	var wg sync.WaitGroup
	wg.Go(func() {
		for s := range statusCh {
			progress.status(s)
		}
	})
	start := time.Now()
	resp, err := bk.Solve(ctx, nil, opt, statusCh) // closes statusCh
	wg.Wait()
	progress.close()
	req.Sent.Add(stats.fileBytes.Load())
	if err != nil {
		if step := progress.failedStep(); step != "" && ctx.Err() == nil {
			err = &StepError{Step: step, Err: err}
		}
		return imagebuild.Result{}, platformError(req, err, progress.sawExecFormatError())
	}
	lines.Line(fmt.Sprintf("sent build context: %d new or changed files, %s, build took %s",
		stats.files.Load(), humanBytes(stats.fileBytes.Load()), time.Since(start).Round(time.Millisecond)))
	lines.Flush()
	res := imagebuild.Result{ID: resp.ExporterResponse["containerimage.config.digest"]}
	if req.Push {
		res.Digest = resp.ExporterResponse["containerimage.digest"]
	}
	return res, nil
}

// solveOpt is the solve request of req and the counters of what its
// session sends.
func (c *Credentials) solveOpt(req imagebuild.Request) (bkclient.SolveOpt, *transferStats, error) {
	excludes, err := ignorePatterns(req.ContextDir, req.Dockerfile)
	if err != nil {
		return bkclient.SolveOpt{}, nil, err
	}
	key, err := sharedKey(req.ContextDir)
	if err != nil {
		return bkclient.SolveOpt{}, nil, err
	}
	base, err := fsutil.NewFS(req.ContextDir)
	if err != nil {
		return bkclient.SolveOpt{}, nil, fmt.Errorf("build context: %w", err)
	}
	filtered, err := fsutil.NewFilterFS(base, &fsutil.FilterOpt{Map: keepOnly(req.Files)})
	if err != nil {
		return bkclient.SolveOpt{}, nil, fmt.Errorf("build context: %w", err)
	}
	extra, err := optionAttachables(req)
	if err != nil {
		return bkclient.SolveOpt{}, nil, err
	}
	stats := &transferStats{}
	now := time.Now().UnixNano()
	attrs := map[string]string{"filename": sessionDockerfile}
	optionAttrs(req, attrs)
	if req.Target != "" {
		attrs["target"] = req.Target
	}
	for _, k := range slices.Sorted(maps.Keys(req.BuildArgs)) {
		if v := req.BuildArgs[k]; v != nil {
			attrs["build-arg:"+k] = *v
		}
	}
	refs := make([]string, len(req.Tags))
	for i, t := range req.Tags {
		refs[i] = req.Image + ":" + t
	}
	export := map[string]string{"name": strings.Join(refs, ","), "push": fmt.Sprint(req.Push)}
	if req.Insecure {
		export["registry.insecure"] = "true"
	}
	imports, exports := solveCache(req)
	mounts := map[string]fsutil.FS{
		sessionContextDir: &countingFS{FS: filtered, stats: stats},
		sessionDockerfileDir: memFS{
			{name: sessionDockerfile, data: req.DockerfileText, mtime: now},
			{name: sessionDockerfile + ".dockerignore", data: []byte(strings.Join(excludes, "\n") + "\n"), mtime: now},
		},
	}
	if err := namedContexts(req, attrs, mounts, stats); err != nil {
		return bkclient.SolveOpt{}, nil, err
	}
	return bkclient.SolveOpt{
		CacheImports:  imports,
		CacheExports:  exports,
		Frontend:      "dockerfile.v0",
		FrontendAttrs: attrs,
		SharedKey:     key,
		LocalMounts:   mounts,
		Session: append([]session.Attachable{authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
			AuthConfigProvider: c.creds.sessionAuth,
		})}, extra...),
		AllowedEntitlements: entitlementsOf(req),
		Exports:             []bkclient.ExportEntry{{Type: bkclient.ExporterImage, Attrs: export}},
	}, stats, nil
}

// namedContexts adds req's --build-context to the frontend's attrs: a
// local directory is served by the session under a mount of its own
// (context:NAME = local:MOUNT), anything else (docker-image://REF, a URL)
// the daemon fetches as written. A directory serves exactly the files its
// key hashed (req.Named: the directory less its .dockerignore, which the
// frontend applies again, to the same effect).
func namedContexts(req imagebuild.Request, attrs map[string]string, mounts map[string]fsutil.FS, stats *transferStats) error {
	for _, c := range req.Options.Contexts {
		if !c.Local() {
			attrs["context:"+c.Name] = c.Value
			continue
		}
		base, err := fsutil.NewFS(c.Value)
		if err != nil {
			return fmt.Errorf("build context %s: %w", c.Name, err)
		}
		filtered, err := fsutil.NewFilterFS(base, &fsutil.FilterOpt{Map: keepOnly(namedFiles(req.Named, c.Name))})
		if err != nil {
			return fmt.Errorf("build context %s: %w", c.Name, err)
		}
		mount := "named-context-" + c.Name
		mounts[mount] = &countingFS{FS: filtered, stats: stats}
		attrs["context:"+c.Name] = "local:" + mount
	}
	return nil
}

// namedFiles are the hashed files of the named context name: never nil
// once hashed (an empty directory sends nothing), nil when req was not
// hashed (the whole directory is sent).
func namedFiles(named []imagebuild.NamedFiles, name string) []imagebuild.ContextFile {
	i := slices.IndexFunc(named, func(n imagebuild.NamedFiles) bool { return n.Name == name })
	if i < 0 {
		return nil
	}
	if named[i].Files == nil {
		return []imagebuild.ContextFile{}
	}
	return named[i].Files
}
