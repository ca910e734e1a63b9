// Package docker builds, pushes and looks up images on a Docker Engine
// through its HTTP API. It finds the daemon as the docker CLI does
// (DOCKER_HOST, DOCKER_CONTEXT, the config file's currentContext,
// DOCKER_TLS_VERIFY / DOCKER_CERT_PATH), sends the build context with the
// in-memory Dockerfile (the file on disk is never changed), streams the
// daemon's output as lines, pushes every tag with the credentials of the
// Docker config file and its credential helpers, and says whether an
// image exists in the daemon or in its registry.
//
// Builder implements imagebuild.Builder. Builds go through a BuildKit session
// when the daemon has BuildKit (build_buildkit.go, session.go: a rebuild
// sends only the changed context files), else through the classic builder
// with a tar upload (build_legacy.go); EnvBuilder forces either
// (buildkit.go).
package docker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/credentials"
	"github.com/moby/moby/client"

	"github.com/devspace-engine/devspace/imagebuild"
)

// Options configure New. The zero value reads the process environment.
type Options struct {
	// Getenv reads environment variables (DOCKER_HOST, DOCKER_CONTEXT,
	// DOCKER_CONFIG, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY,
	// DOCKER_API_VERSION); os.Getenv when nil.
	Getenv func(string) string
	// ConfigDir is the Docker config directory (config.json, contexts);
	// default $DOCKER_CONFIG, else ~/.docker.
	ConfigDir string
	// PingTimeout bounds the first contact with the daemon; default 10s.
	PingTimeout time.Duration
}

// Builder builds images on one Docker Engine. It is safe for concurrent
// use; registry credentials are resolved once per registry for its
// lifetime.
type Builder struct {
	api      *client.Client
	endpoint Endpoint
	// ping tells what the daemon supports (BuilderVersion), for choosing
	// a build path.
	ping  client.PingResult
	creds *authCache
	// kit chooses between BuildKit and the classic builder (buildkit.go).
	kit *builderChoice
}

var _ imagebuild.Builder = (*Builder)(nil)

// loadConfigFile reads the Docker CLI's config (DOCKER_CONFIG, else
// ~/.docker). A file that cannot be read is returned as fileErr, for the
// credential lookups to report: builds that need no login still work.
func loadConfigFile(getenv func(string) string, dir string) (file *configfile.ConfigFile, _ string, fileErr, err error) {
	if dir == "" {
		dir = getenv(config.EnvOverrideConfigDir)
	}
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, "", nil, fmt.Errorf("finding the Docker config directory: %w", err)
		}
		dir = filepath.Join(home, ".docker")
	}
	file, fileErr = config.Load(dir)
	if fileErr == nil && !file.ContainsAuth() {
		file.CredentialsStore = credentials.DetectDefaultStore(file.CredentialsStore)
	}
	if file == nil {
		file = configfile.New(filepath.Join(dir, config.ConfigFileName))
	}
	return file, dir, fileErr, nil
}

// New finds the daemon, connects and pings it (negotiating the API
// version). When no daemon answers it returns a *DaemonUnreachableError
// naming the host, the context and what chose them.
func New(ctx context.Context, opts Options) (*Builder, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	file, dir, fileErr, err := loadConfigFile(getenv, opts.ConfigDir)
	if err != nil {
		return nil, err
	}
	endpoint, err := resolveEndpoint(getenv, dir, file.CurrentContext)
	if err != nil {
		return nil, err
	}
	api, err := newAPIClient(endpoint, getenv("DOCKER_API_VERSION"))
	if err != nil {
		return nil, err
	}
	timeout := opts.PingTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	pingCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ping, err := api.Ping(pingCtx, client.PingOptions{NegotiateAPIVersion: true})
	if err != nil {
		api.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &DaemonUnreachableError{Endpoint: endpoint, Err: err}
	}
	kit, err := newBuilderChoice(getenv(EnvBuilder), ping)
	if err != nil {
		api.Close()
		return nil, err
	}
	return &Builder{api: api, endpoint: endpoint, ping: ping, creds: newAuthCache(file, fileErr), kit: kit}, nil
}

// Endpoint returns the daemon this Builder talks to.
func (b *Builder) Endpoint() Endpoint { return b.endpoint }

// APIVersion returns the negotiated Engine API version (e.g. "1.41").
func (b *Builder) APIVersion() string { return b.api.ClientVersion() }

// Close releases the connection to the daemon.
func (b *Builder) Close() error { return b.api.Close() }

// Build builds req.Image with every tag in req.Tags from req.ContextDir
// and req.DockerfileText (req.Dockerfile is read only when the text is
// empty), streaming the daemon's output to req.Log as whole lines, and
// pushes every tag when req.Push; Result.Digest is the pushed manifest's.
// req.Sent counts the context sent: the classic builder's tar stream, or
// the files the BuildKit session served.
//
// Cancelling ctx aborts the request, so the daemon stops the build; the
// build containers the daemon announced are removed before Build returns.
// One it created in the instant before the cancel, not yet announced, the
// daemon kills and removes itself shortly after (within 0.2 s measured).
func (b *Builder) Build(ctx context.Context, req imagebuild.Request) (imagebuild.Result, error) {
	if len(req.Tags) == 0 {
		return imagebuild.Result{}, fmt.Errorf("building %s: no tags", req.Image)
	}
	if len(req.DockerfileText) == 0 {
		text, err := os.ReadFile(req.Dockerfile)
		if err != nil {
			return imagebuild.Result{}, fmt.Errorf("building %s: %w", req.Ref(), err)
		}
		req.DockerfileText = text
	}
	out := newLineWriter(req.Log)
	id, err := b.buildImage(ctx, req, out)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return imagebuild.Result{}, fmt.Errorf("building %s: %w", req.Ref(), ctxErr)
		}
		return imagebuild.Result{}, fmt.Errorf("building %s on %s: %w", req.Ref(), b.endpoint.Host, err)
	}
	res := imagebuild.Result{ID: id}
	if req.Push {
		if res.Digest, err = b.push(ctx, req, out); err != nil {
			return res, err
		}
	}
	return res, nil
}

// Exists says whether ref (image:tag) exists: in the daemon's image store
// when pushed is false, else in its registry (asked through the daemon,
// with the credentials of the Docker config).
func (b *Builder) Exists(ctx context.Context, ref string, pushed bool) (bool, error) {
	if !pushed {
		_, err := b.api.ImageInspect(ctx, ref)
		switch {
		case cerrdefs.IsNotFound(err):
			return false, nil
		case err != nil:
			return false, fmt.Errorf("looking up image %s in the daemon at %s: %w", ref, b.endpoint.Host, err)
		}
		return true, nil
	}
	host, err := registryHost(ref)
	if err != nil {
		return false, err
	}
	auth, err := b.creds.header(host)
	if err != nil {
		return false, err
	}
	_, err = b.api.DistributionInspect(ctx, ref, client.DistributionInspectOptions{EncodedRegistryAuth: auth})
	switch {
	case cerrdefs.IsNotFound(err):
		return false, nil
	case err != nil && ctx.Err() != nil:
		return false, ctx.Err()
	case err != nil:
		return false, registryError("looking up "+ref, host, err)
	}
	return true, nil
}

// registryError names the registry and the usual fix.
func registryError(what, host string, err error) error {
	login := "docker login " + host
	if host == "docker.io" {
		login = "docker login"
	}
	var hint string
	switch {
	case cerrdefs.IsUnauthorized(err), cerrdefs.IsPermissionDenied(err):
		hint = fmt.Sprintf("the registry refused the credentials: run `%s`", login)
	default:
		hint = fmt.Sprintf("if the registry needs credentials, run `%s`", login)
	}
	return fmt.Errorf("%s (registry %s): %w (%s)", what, host, err, hint)
}
