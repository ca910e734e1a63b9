package docker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/distribution/reference"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/devspace-engine/devspace/imagebuild"
)

// Digest returns the manifest digest a registry serves for ref (image:tag),
// asked over HTTP with the stored login, without a daemon: builds that
// run in the cluster resolve their base images this way.
func (c *Credentials) Digest(ctx context.Context, ref string) (string, error) {
	if named, err := reference.ParseNormalizedNamed(ref); err == nil {
		if canonical, ok := named.(reference.Canonical); ok {
			return canonical.Digest().String(), nil // pinned
		}
	}
	tagged, err := parseTagged(ref)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, baseLookupTimeout)
	defer cancel()
	d, err := registryDigest(ctx, c.creds, tagged)
	if err != nil {
		return "", &BaseLookupError{Ref: ref, Where: "registry " + reference.Domain(tagged), Err: err}
	}
	return d, nil
}

// Exists says whether the registry has ref (image:tag). It implements
// build.Locator for images built in the cluster, which exist only in a
// registry: an image that was not pushed is never there.
func (c *Credentials) Exists(ctx context.Context, ref string, pushed bool) (bool, error) {
	if !pushed {
		return false, nil
	}
	_, found, err := c.Lookup(ctx, ref, nil)
	return found, err
}

// Lookup asks the registry for ref (image:tag) directly over HTTP, with the
// Docker config's login: the manifest digest when it has the tag, found
// false when it answers that it has not. With platforms, the tag must be
// an index listing each platform's manifest, and each must be there (see
// imagebuild.Registry).
func (c *Credentials) Lookup(ctx context.Context, ref string, platforms []string) (digest string, found bool, err error) {
	tagged, err := parseTagged(ref)
	if err != nil {
		return "", false, err
	}
	ctx, cancel := context.WithTimeout(ctx, baseLookupTimeout)
	defer cancel()
	if len(platforms) > 0 {
		digest, err = registryIndex(ctx, c.creds, tagged, platforms)
	} else {
		digest, err = registryDigest(ctx, c.creds, tagged)
	}
	var refused *transport.Error
	var partial *imagebuild.MissingPlatformsError
	switch {
	case err == nil:
		return digest, true, nil
	case errors.As(err, &partial):
		return "", false, err
	case errors.As(err, &refused) && refused.StatusCode == http.StatusNotFound:
		return "", false, nil
	}
	return "", false, fmt.Errorf("looking up %s in registry %s: %w", ref, reference.Domain(tagged), err)
}

func parseTagged(ref string) (reference.NamedTagged, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nil, fmt.Errorf("image reference %q: %w", ref, err)
	}
	tagged, ok := reference.TagNameOnly(named).(reference.NamedTagged)
	if !ok {
		return nil, fmt.Errorf("image reference %q has a digest but no tag", ref)
	}
	return tagged, nil
}

// registryDigest returns the manifest digest the registry serves for ref:
// HEAD, and GET when the registry answers HEAD but not with a usable
// digest. It signs in as the daemon would: anonymously first, then as
// the registry's challenge asks (Basic, or a Bearer token). One HEAD
// answers most lookups (see headDigest); what it cannot answer is asked
// again through go-containerregistry, which explains every refusal.
func registryDigest(ctx context.Context, creds *authCache, ref reference.NamedTagged) (string, error) {
	if d, ok := headDigest(ctx, creds, ref); ok {
		return d, nil
	}
	return pulledDigest(ctx, creds, ref)
}

// pulledDigest is registryDigest through go-containerregistry alone: a
// ping (GET /v2/), the login or token it asks for, HEAD, and GET when the
// HEAD gave no digest; a refusal is explained.
func pulledDigest(ctx context.Context, creds *authCache, ref reference.NamedTagged) (string, error) {
	l, puller, err := newPuller(ctx, creds, ref)
	if err != nil {
		return "", err
	}
	desc, err := puller.Head(ctx, l.tag)
	if err == nil {
		return desc.Digest.String(), nil
	}
	if !l.headAnswered() {
		return "", l.explain(err)
	}
	got, err := puller.Get(ctx, l.tag)
	if err != nil {
		return "", l.explain(err)
	}
	return got.Digest.String(), nil
}

// newPuller is a go-containerregistry puller for ref's registry, through
// a manifestLookup.
func newPuller(ctx context.Context, creds *authCache, ref reference.NamedTagged) (*manifestLookup, *remote.Puller, error) {
	l, err := newManifestLookup(creds, ref)
	if err != nil {
		return nil, nil, err
	}
	puller, err := remote.NewPuller(
		remote.WithContext(ctx),
		remote.WithAuth(l.login),
		remote.WithTransport(l),
		// One attempt, no retries: the caller's deadline bounds the
		// lookup, and a failed one falls back to the last build's digest.
		remote.WithRetryBackoff(remote.Backoff{Steps: 1}),
		remote.WithRetryStatusCodes(),
	)
	return l, puller, err
}

// manifestLookup is one digest lookup's connection to a registry: the
// transport under go-containerregistry's authentication.
type manifestLookup struct {
	host  string // as in the reference: "docker.io", "127.0.0.1:5000"
	tag   name.Tag
	login *registryLogin
	// headStatus is the registry's answer to the manifest HEAD (0: none).
	headStatus atomic.Int32
}

// newManifestLookup names ref for go-containerregistry: loopback
// registries (any of 127.0.0.0/8, localhost, ::1) may be asked over plain
// HTTP, as the daemon treats them as insecure by default; every other is
// asked over HTTPS.
func newManifestLookup(creds *authCache, ref reference.NamedTagged) (*manifestLookup, error) {
	host := reference.Domain(ref)
	var opts []name.Option
	if isLoopback(host) {
		opts = append(opts, name.Insecure)
	}
	tag, err := name.NewTag(ref.String(), opts...)
	if err != nil {
		return nil, fmt.Errorf("image reference %q: %w", ref, err)
	}
	return &manifestLookup{host: host, tag: tag, login: &registryLogin{creds: creds, host: host}}, nil
}

// RoundTrip sends plain HTTP only to loopback hosts (go-containerregistry
// would also fall back to it for private address ranges) and notes what
// the registry answered: a 401 asks for the login, the HEAD's status
// decides on a GET.
func (l *manifestLookup) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !isLoopback(req.URL.Host) {
		return nil, fmt.Errorf("not asking %s over plain HTTP: only loopback registries are asked without TLS", req.URL.Host)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || req.URL.Host != l.tag.RegistryStr() {
		return resp, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		l.login.asked.Store(true)
	}
	if req.Method == http.MethodHead {
		l.headStatus.Store(int32(resp.StatusCode))
	}
	return resp, nil
}

// headAnswered says the registry answered the HEAD, but not with a digest
// nor with a refusal that a GET would only repeat.
func (l *manifestLookup) headAnswered() bool {
	switch l.headStatus.Load() {
	case 0, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return false
	}
	return true
}

// explain describes a registry's refusal as the daemon's pull would,
// "HEAD <url>: 404 Not Found (<the registry's messages>)", with the usual
// fix.
func (l *manifestLookup) explain(err error) error {
	var refused *transport.Error
	if !errors.As(err, &refused) || refused.Request == nil {
		return err
	}
	login := "docker login " + l.host
	if l.host == "docker.io" {
		login = "docker login"
	}
	var hint string
	switch refused.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		hint = fmt.Sprintf("the registry requires credentials: run `%s`", login)
		if l.login.sent.Load() {
			hint = fmt.Sprintf("the registry refused the credentials: run `%s`", login)
		}
	case http.StatusNotFound:
		hint = "the registry has no such image or tag"
	default:
		return err
	}
	req := refused.Request
	msg := fmt.Sprintf("%s %s: %d %s", req.Method, req.URL.Redacted(), refused.StatusCode, http.StatusText(refused.StatusCode))
	if !isRegistryAPI(req) {
		msg = "token " + msg
	}
	var details []string
	for _, d := range refused.Errors {
		details = append(details, fmt.Sprintf("%s: %s", d.Code, d.Message))
	}
	if len(details) > 0 {
		msg += " (" + strings.Join(details, "; ") + ")"
	}
	return &registryRefusal{msg: msg + "; " + hint, err: err}
}

// registryRefusal is a refusal's description; it unwraps to
// go-containerregistry's *transport.Error.
type registryRefusal struct {
	msg string
	err error
}

func (e *registryRefusal) Error() string { return e.msg }
func (e *registryRefusal) Unwrap() error { return e.err }

// isRegistryAPI tells the registry's own requests (the /v2/ ping and the
// manifest) from those to its token service.
func isRegistryAPI(req *http.Request) bool {
	return req.URL.Path == "/v2/" || strings.Contains(req.URL.Path, "/manifests/")
}

// registryLogin hands go-containerregistry the Docker config's login for
// one registry, looked up only once the registry asks for one: a registry
// that serves anonymously never runs a credential helper, nor fails on a
// broken one.
type registryLogin struct {
	creds *authCache
	host  string
	asked atomic.Bool // the registry answered 401
	sent  atomic.Bool // a login was handed out (for the hint)
}

func (r *registryLogin) Authorization() (*authn.AuthConfig, error) {
	if !r.asked.Load() {
		return &authn.AuthConfig{}, nil
	}
	a, err := r.creds.get(r.host)
	if err != nil {
		return nil, err
	}
	cfg := &authn.AuthConfig{Username: a.Username, Password: a.Password, Auth: a.Auth,
		IdentityToken: a.IdentityToken, RegistryToken: a.RegistryToken}
	if *cfg != (authn.AuthConfig{}) {
		r.sent.Store(true)
	}
	return cfg, nil
}

// isLoopback says whether host[:port] is localhost, 127.0.0.0/8 or ::1.
func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
