package docker

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/moby/moby/api/types/registry"
)

// Where a BaseDigest came from.
const (
	// SourceLocal: the daemon's image ID, what a build without pull uses.
	SourceLocal = "local"
	// SourceRegistry: the manifest digest the registry serves for the tag.
	SourceRegistry = "registry"
	// SourcePinned: the digest written in the reference (name@sha256:…).
	SourcePinned = "pinned"
)

// BaseDigest is where a base image's identity came from.
type BaseDigest struct {
	Ref    string // the reference as given
	Digest string // "sha256:…"
	Source string // SourceLocal, SourceRegistry or SourcePinned
}

// BaseLookupError says that a base image reference could not be resolved.
type BaseLookupError struct {
	Ref string
	// Where is what was asked: "registry 127.0.0.1:5000",
	// "daemon unix:///var/run/docker.sock"; empty when Ref does not parse.
	Where string
	Err   error
}

func (e *BaseLookupError) Error() string {
	if e.Where == "" {
		return fmt.Sprintf("resolving base image %s: %v", e.Ref, e.Err)
	}
	return fmt.Sprintf("resolving base image %s at %s: %v", e.Ref, e.Where, e.Err)
}

func (e *BaseLookupError) Unwrap() error { return e.Err }

const (
	// baseLookupTimeout bounds one reference's lookup (daemon and registry
	// together): a registry that hangs must not hold up every build key.
	baseLookupTimeout = 10 * time.Second
	// baseLookupParallel bounds the lookups in flight, so a project with
	// many base images does not open a connection burst per registry.
	baseLookupParallel = 8
	// maxManifestSize is the largest manifest read when a registry sends
	// no digest header (registries refuse manifests over 4 MiB).
	maxManifestSize = 4 << 20
)

// BaseDigests looks up refs concurrently (each distinct ref once), for
// builds that pull (pull=true: always ask the registry) or not
// (pull=false: the daemon's local image when present, else the registry).
// Digest-pinned refs ("name@sha256:…") are returned as is with Source
// "pinned" and no lookup.
// A ref that cannot be resolved gets an error of type *BaseLookupError
// (naming the ref, where it asked, and the cause) in the returned per-ref
// error map; other refs still resolve.
//
// Refs are external images: leave out "scratch", build stages and
// references that still hold ARGs. Both maps are keyed by the ref as given.
func (b *Builder) BaseDigests(ctx context.Context, refs []string, pull bool) (map[string]BaseDigest, map[string]error) {
	digests, errs := map[string]BaseDigest{}, map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, baseLookupParallel)
	seen := map[string]bool{}
	for _, ref := range refs {
		if seen[ref] {
			continue
		}
		seen[ref] = true
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			d, err := b.baseDigest(ctx, ref, pull)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[ref] = err
			} else {
				digests[ref] = d
			}
		})
	}
	wg.Wait()
	return digests, errs
}

// baseDigest resolves one ref; errors are *BaseLookupError.
func (b *Builder) baseDigest(ctx context.Context, ref string, pull bool) (BaseDigest, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return BaseDigest{}, &BaseLookupError{Ref: ref, Err: err}
	}
	if c, ok := named.(reference.Canonical); ok {
		return BaseDigest{Ref: ref, Digest: c.Digest().String(), Source: SourcePinned}, nil
	}
	// The daemon and the registry see the same normalized name
	// (docker.io/library/busybox:latest): a short ref must not match an
	// image ID prefix in the daemon.
	tagged := reference.TagNameOnly(named).(reference.NamedTagged)
	ctx, cancel := context.WithTimeout(ctx, baseLookupTimeout)
	defer cancel()
	if !pull {
		id, err := b.localImageID(ctx, tagged)
		if err != nil {
			return BaseDigest{}, &BaseLookupError{Ref: ref, Where: "daemon " + b.endpoint.Host, Err: err}
		}
		if id != "" {
			return BaseDigest{Ref: ref, Digest: id, Source: SourceLocal}, nil
		}
	}
	host := reference.Domain(tagged)
	d, err := registryDigest(ctx, b.creds, tagged)
	if err != nil {
		return BaseDigest{}, &BaseLookupError{Ref: ref, Where: "registry " + host, Err: err}
	}
	return BaseDigest{Ref: ref, Digest: d, Source: SourceRegistry}, nil
}

// localImageID returns the identity of the daemon's image ref, which a
// build FROM it starts from, or "" when the daemon has none: the registry
// digest it was pulled or pushed with when the daemon knows one for this
// repository (so that the same image reads the same whether it is found
// locally or in the registry, and removing a local copy is no change),
// else its image ID.
func (b *Builder) localImageID(ctx context.Context, ref reference.NamedTagged) (string, error) {
	img, err := b.api.ImageInspect(ctx, ref.String())
	switch {
	case cerrdefs.IsNotFound(err):
		return "", nil
	case err != nil:
		return "", err
	}
	for _, rd := range img.RepoDigests {
		named, err := reference.ParseNormalizedNamed(rd)
		if c, ok := named.(reference.Canonical); err == nil && ok && named.Name() == ref.Name() {
			return c.Digest().String(), nil
		}
	}
	return img.ID, nil
}

// manifestAccept lists every manifest type a pull accepts, so a
// multi-platform image answers with its index (the digest a pull records),
// not one platform's manifest or a converted schema 1 one.
var manifestAccept = strings.Join([]string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.docker.distribution.manifest.v2+json",
}, ", ")

var digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// registryClient has no timeout of its own: each lookup's context bounds
// it. It takes the proxy from the environment, which Go never uses for
// loopback addresses.
var registryClient = &http.Client{}

// manifestLookup asks one registry for the digest of one tag, signing in
// as the daemon would: anonymously first, then as its challenge asks.
type manifestLookup struct {
	host  string // as in the reference: "docker.io", "127.0.0.1:5000"
	repo  string // "library/busybox"
	url   string
	creds *authCache
	// authz is the Authorization header once a challenge was answered;
	// sentCreds says it carries the user's credentials (for the hint).
	authz     string
	sentCreds bool
}

// registryDigest returns the manifest digest the registry serves for ref:
// HEAD, and GET when the registry does not answer HEAD with a digest.
func registryDigest(ctx context.Context, creds *authCache, ref reference.NamedTagged) (string, error) {
	l := &manifestLookup{host: reference.Domain(ref), repo: reference.Path(ref), url: manifestURL(ref), creds: creds}
	d, status, err := l.fetch(ctx, http.MethodHead)
	switch status {
	case 0, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		// No answer, or one a GET would only repeat.
		return d, err
	}
	if err == nil {
		return d, nil
	}
	d, _, err = l.fetch(ctx, http.MethodGet)
	return d, err
}

// manifestURL is where the registry serves ref's manifest. Docker Hub's
// official images are under library/, which the normalized path holds.
func manifestURL(ref reference.NamedTagged) string {
	return registryURL(reference.Domain(ref)) + "/v2/" + reference.Path(ref) + "/manifests/" + ref.Tag()
}

// registryURL is where the daemon pulls from: Docker Hub's API host for
// docker.io, plain HTTP for loopback registries (which the daemon treats
// as insecure by default), HTTPS for every other.
func registryURL(host string) string {
	switch {
	case host == "docker.io":
		return "https://registry-1.docker.io"
	case isLoopback(host):
		return "http://" + host
	}
	return "https://" + host
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

// fetch sends one manifest request, answering one authentication
// challenge, and returns the digest and the final status (0 when no
// answer came).
func (l *manifestLookup) fetch(ctx context.Context, method string) (string, int, error) {
	resp, err := l.do(ctx, method)
	if err != nil {
		return "", 0, err
	}
	if resp.StatusCode == http.StatusUnauthorized && l.authz == "" {
		authz, err := l.authorize(ctx, resp.Header.Values("WWW-Authenticate"))
		if err != nil {
			resp.Body.Close()
			return "", resp.StatusCode, err
		}
		if authz != "" {
			resp.Body.Close()
			l.authz = authz
			if resp, err = l.do(ctx, method); err != nil {
				return "", 0, err
			}
		}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", resp.StatusCode, l.statusError(method+" "+l.url, resp)
	}
	d, err := responseDigest(resp)
	if err != nil {
		return "", resp.StatusCode, fmt.Errorf("%s %s: %w", method, l.url, err)
	}
	return d, resp.StatusCode, nil
}

func (l *manifestLookup) do(ctx context.Context, method string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, l.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", manifestAccept)
	if l.authz != "" {
		req.Header.Set("Authorization", l.authz)
	}
	return registryClient.Do(req)
}

// responseDigest reads Docker-Content-Digest, or, for a GET from a
// registry that omits it, hashes the manifest as served.
func responseDigest(resp *http.Response) (string, error) {
	if d := resp.Header.Get("Docker-Content-Digest"); d != "" {
		if !digestPattern.MatchString(d) {
			return "", fmt.Errorf("the registry answered digest %q, want sha256:<64 hex digits>", d)
		}
		return d, nil
	}
	if resp.Request.Method != http.MethodGet {
		return "", errors.New("no Docker-Content-Digest header")
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(resp.Body, maxManifestSize+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("reading the manifest: %w", err)
	case n > maxManifestSize:
		return "", fmt.Errorf("manifest larger than %d bytes", maxManifestSize)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// statusError describes a refused request with the registry's own message
// and the usual fix.
func (l *manifestLookup) statusError(request string, resp *http.Response) error {
	msg := request + ": " + resp.Status
	if detail := registryMessage(resp.Body); detail != "" {
		msg += " (" + detail + ")"
	}
	login := "docker login " + l.host
	if l.host == "docker.io" {
		login = "docker login"
	}
	switch {
	case (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) && l.sentCreds:
		msg += fmt.Sprintf("; the registry refused the credentials: run `%s`", login)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		msg += fmt.Sprintf("; the registry requires credentials: run `%s`", login)
	case resp.StatusCode == http.StatusNotFound:
		msg += "; the registry has no such image or tag"
	}
	return errors.New(msg)
}

// registryMessage returns the messages of a registry's JSON error body
// ({"errors":[{"code":…,"message":…}]}), "" when there are none.
func registryMessage(body io.Reader) string {
	var e struct {
		Errors []struct{ Code, Message string }
	}
	if json.NewDecoder(io.LimitReader(body, 64<<10)).Decode(&e) != nil {
		return ""
	}
	var msgs []string
	for _, x := range e.Errors {
		msgs = append(msgs, strings.TrimSpace(x.Code+": "+x.Message))
	}
	return strings.Join(msgs, "; ")
}

// authorize answers a 401's challenges: Basic with the user's
// credentials, Bearer with a token from the challenge's realm. It returns
// "" when it has nothing to offer (Basic without credentials), so the 401
// is reported.
func (l *manifestLookup) authorize(ctx context.Context, challenges []string) (string, error) {
	c, ok := pickChallenge(challenges)
	if !ok {
		return "", fmt.Errorf("%s: 401 Unauthorized without a Basic or Bearer challenge", l.url)
	}
	creds, err := l.creds.get(l.host)
	if err != nil {
		return "", err
	}
	if c.scheme == "bearer" {
		token, err := l.token(ctx, c.params, creds)
		if err != nil {
			return "", err
		}
		return "Bearer " + token, nil
	}
	user, pass := basicCreds(creds)
	if user == "" && pass == "" {
		return "", nil
	}
	l.sentCreds = true
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass)), nil
}

// basicCreds returns a login's user and password, from the decoded
// fields or from the base64 "auth" field of the config file.
func basicCreds(a registry.AuthConfig) (user, pass string) {
	if a.Username != "" || a.Password != "" || a.Auth == "" {
		return a.Username, a.Password
	}
	raw, err := base64.StdEncoding.DecodeString(a.Auth)
	if err != nil {
		return "", ""
	}
	user, pass, _ = strings.Cut(string(raw), ":")
	return user, pass
}

// token gets a Bearer token for pulling l.repo from the challenge's
// realm: with the user's credentials when there are any, anonymously
// otherwise (enough for public images).
func (l *manifestLookup) token(ctx context.Context, params map[string]string, creds registry.AuthConfig) (string, error) {
	if creds.RegistryToken != "" {
		// `docker login` stored a token for the registry itself.
		l.sentCreds = true
		return creds.RegistryToken, nil
	}
	req, err := l.tokenRequest(ctx, params, creds)
	if err != nil {
		return "", err
	}
	resp, err := registryClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("getting a token: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", l.statusError("token "+req.Method+" "+req.URL.Redacted(), resp)
	}
	var body struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return "", fmt.Errorf("reading the token from %s: %w", req.URL.Redacted(), err)
	}
	if body.Token == "" {
		body.Token = body.AccessToken
	}
	if body.Token == "" {
		return "", fmt.Errorf("%s answered no token", req.URL.Redacted())
	}
	return body.Token, nil
}

// tokenRequest builds the token request of the distribution token flow:
// GET realm?service=…&scope=… with Basic credentials, or, for an identity
// token from an OAuth login, the OAuth2 refresh-token POST.
func (l *manifestLookup) tokenRequest(ctx context.Context, params map[string]string, creds registry.AuthConfig) (*http.Request, error) {
	realm, err := url.Parse(params["realm"])
	if err != nil || (realm.Scheme != "https" && realm.Scheme != "http") || realm.Host == "" {
		return nil, fmt.Errorf("the registry's Bearer challenge has no usable realm (%q)", params["realm"])
	}
	scope := params["scope"]
	if scope == "" {
		scope = "repository:" + l.repo + ":pull"
	}
	user, pass := basicCreds(creds)
	withCreds := creds.IdentityToken != "" || user != "" || pass != ""
	if withCreds && realm.Scheme == "http" && !isLoopback(realm.Host) {
		return nil, fmt.Errorf("not sending the credentials for %s to %s over plain HTTP", l.host, realm.Redacted())
	}
	l.sentCreds = withCreds
	if creds.IdentityToken != "" {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {creds.IdentityToken},
			"service": {params["service"]}, "scope": {scope}, "client_id": {"devspace"}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, realm.String(), strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return req, err
	}
	q := realm.Query()
	q.Set("scope", scope)
	if s := params["service"]; s != "" {
		q.Set("service", s)
	}
	realm.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, realm.String(), nil)
	if err == nil && withCreds {
		req.SetBasicAuth(user, pass)
	}
	return req, err
}

// authChallenge is one WWW-Authenticate challenge, scheme in lower case.
type authChallenge struct {
	scheme string
	params map[string]string
}

// pickChallenge prefers Bearer (the token flow registries such as Docker
// Hub use) over Basic.
func pickChallenge(values []string) (authChallenge, bool) {
	var basic *authChallenge
	for _, v := range values {
		c := parseChallenge(v)
		switch c.scheme {
		case "bearer":
			return c, true
		case "basic":
			basic = &c
		}
	}
	if basic == nil {
		return authChallenge{}, false
	}
	return *basic, true
}

// parseChallenge reads `Bearer realm="…",service="…",scope="…"`. Quoted
// values may hold commas (scope="repository:a:pull,push") and \-escapes.
func parseChallenge(v string) authChallenge {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
	c := authChallenge{scheme: strings.ToLower(scheme), params: map[string]string{}}
	for {
		rest = strings.TrimLeft(rest, ", \t")
		key, after, ok := strings.Cut(rest, "=")
		if !ok {
			return c
		}
		after = strings.TrimLeft(after, " \t")
		var val string
		if strings.HasPrefix(after, `"`) {
			val, rest = unquote(after[1:])
		} else {
			val, rest, _ = strings.Cut(after, ",")
			val = strings.TrimSpace(val)
		}
		c.params[strings.ToLower(strings.TrimSpace(key))] = val
	}
}

// unquote reads a quoted string's body up to its closing quote.
func unquote(s string) (val, rest string) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), ""
}
