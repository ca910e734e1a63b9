package docker

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/distribution/reference"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// manifestTypes are the media types a manifest HEAD accepts, those
// go-containerregistry's Head sends: a registry may answer with another
// digest for another list, so the digest stays the one a full lookup
// reports.
var manifestTypes = strings.Join([]string{
	string(types.DockerManifestSchema1), string(types.DockerManifestSchema1Signed),
	string(types.DockerManifestSchema2), string(types.OCIManifestSchema1),
	string(types.DockerManifestList), string(types.OCIImageIndex),
}, ",")

// headDigest asks for ref's manifest digest with one HEAD, without the
// ping (GET /v2/, over HTTPS and HTTP at once for a loopback registry)
// that go-containerregistry sends first: anonymously, and when the
// registry answers 401, once more after signing in as its challenge asks
// (a Bearer token, or Basic). ok is false unless the registry answered
// with the digest; the caller then asks the full way, which explains
// every refusal (the login is still looked up only once a registry asks).
func headDigest(ctx context.Context, creds *authCache, ref reference.NamedTagged) (digest string, ok bool) {
	l, err := newManifestLookup(creds, ref)
	if err != nil {
		return "", false
	}
	scheme := "https"
	if isLoopback(l.host) {
		scheme = "http"
	}
	url := scheme + "://" + l.tag.RegistryStr() + "/v2/" + l.tag.RepositoryStr() + "/manifests/" + l.tag.TagStr()
	resp, err := sendHead(ctx, l, url)
	if err != nil {
		return "", false
	}
	if resp.StatusCode == http.StatusUnauthorized {
		ch, ok := parseChallenge(resp.Header.Values("WWW-Authenticate"))
		if !ok {
			return "", false
		}
		ch.Insecure = scheme == "http"
		signed, err := signedTransport(ctx, l, ch)
		if err != nil {
			return "", false
		}
		if resp, err = sendHead(ctx, signed, url); err != nil {
			return "", false
		}
	}
	h, err := v1.NewHash(resp.Header.Get("Docker-Content-Digest"))
	if resp.StatusCode != http.StatusOK || err != nil {
		return "", false
	}
	return h.String(), true
}

// signedTransport is l signed in as the registry's challenge ch asks: a
// token for pulling l's repository, or the login as Basic credentials.
func signedTransport(ctx context.Context, l *manifestLookup, ch *transport.Challenge) (http.RoundTripper, error) {
	reg := l.tag.Context().Registry
	tok := &transport.Token{}
	if strings.EqualFold(ch.Scheme, "bearer") {
		var err error
		tok, err = transport.Exchange(ctx, reg, l.login, l, []string{l.tag.Scope(transport.PullScope)}, ch)
		if err != nil {
			return nil, err
		}
		if tok.Token == "" {
			tok.Token = tok.AccessToken
		}
	}
	return transport.FromToken(reg, l.login, l, ch, tok)
}

// sendHead sends a manifest HEAD through rt; the response has no body.
func sendHead(ctx context.Context, rt http.RoundTripper, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", manifestTypes)
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body) // so the connection is reused
	resp.Body.Close()
	return resp, nil
}

// parseChallenge reads the first WWW-Authenticate challenge of a scheme
// that can be answered (Bearer, else Basic): `Bearer realm="…",service="…"`.
func parseChallenge(headers []string) (*transport.Challenge, bool) {
	var basic *transport.Challenge
	for _, h := range headers {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
		params, ok := parseAuthParams(rest)
		if !ok {
			return nil, false
		}
		ch := &transport.Challenge{Scheme: scheme, Parameters: params}
		switch strings.ToLower(scheme) {
		case "bearer":
			return ch, true
		case "basic":
			if basic == nil {
				basic = ch
			}
		}
	}
	return basic, basic != nil
}

// parseAuthParams reads `key=value, key="quoted, value"` (RFC 7235
// auth-params); keys are lower-cased.
func parseAuthParams(s string) (map[string]string, bool) {
	params := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return params, true
		}
		key, rest, found := strings.Cut(s, "=")
		if !found || strings.ContainsAny(key, " \t,\"") {
			return nil, false
		}
		var value string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				b.WriteByte(rest[i])
			}
			if i == len(rest) {
				return nil, false // no closing quote
			}
			value, s = b.String(), rest[i+1:]
		} else {
			end := strings.IndexAny(rest, ", \t")
			if end < 0 {
				end = len(rest)
			}
			value, s = rest[:end], rest[end:]
		}
		params[strings.ToLower(key)] = value
	}
}
