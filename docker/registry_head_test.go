package docker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/distribution/reference"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// requestLog records the requests a registry answers, as "METHOD path".
type requestLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *requestLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.reqs = append(l.reqs, r.Method+" "+r.URL.Path)
		l.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (l *requestLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.reqs
	l.reqs = nil
	return out
}

// TestLookupOneHead: a registry that serves anonymously is asked with one
// manifest HEAD per lookup, found or not, without a ping (GET /v2/) first.
func TestLookupOneHead(t *testing.T) {
	t.Parallel()
	var log requestLog
	addr := serveRegistry(t, "127.0.0.1", log.wrap)
	ref := addr + "/devspace-test/app:v1"
	want := pushRandom(t, ref)
	creds := credentialsWith(t, `{}`)
	log.take()
	got, found, err := creds.Lookup(context.Background(), ref, nil)
	if err != nil || !found || got != want {
		t.Fatalf("Lookup(%s) = %q, %v, %v; want %s", ref, got, found, err, want)
	}
	if reqs := log.take(); len(reqs) != 1 || reqs[0] != "HEAD /v2/devspace-test/app/manifests/v1" {
		t.Errorf("the registry was asked %q; want one manifest HEAD", reqs)
	}
}

// TestLookupBearerToken: a registry that asks for a Bearer token is
// answered with one from its token service, got with the Docker config's
// login, and asked again: HEAD, token, HEAD, without a ping; the login
// goes to the token service only.
func TestLookupBearerToken(t *testing.T) {
	t.Parallel()
	var log requestLog
	var addr string
	login := base64.StdEncoding.EncodeToString([]byte("u1:p1"))
	var mu sync.Mutex
	var logins []string // paths that were sent the login
	addr = serveRegistry(t, "127.0.0.1", func(next http.Handler) http.Handler {
		return log.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "Basic "+login {
				mu.Lock()
				logins = append(logins, r.URL.Path)
				mu.Unlock()
			}
			switch {
			case r.URL.Path == "/token":
				user, pass, _ := r.BasicAuth()
				if user != "u1" || pass != "p1" || r.URL.Query().Get("scope") != "repository:devspace-test/private:pull" {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				json.NewEncoder(w).Encode(map[string]string{"token": "t0ken"})
			case r.Header.Get("Authorization") != "Bearer t0ken":
				w.Header().Set("WWW-Authenticate", `Bearer realm="http://`+addr+`/token",service="devspace-test",scope="repository:devspace-test/private:pull"`)
				w.WriteHeader(http.StatusUnauthorized)
			default:
				next.ServeHTTP(w, r)
			}
		}))
	})
	ref := addr + "/devspace-test/private:v1"
	want := pushRandom(t, ref, remote.WithTransport(bearerOnly{}))
	log.take()
	creds := credentialsWith(t, `{"auths": {"`+addr+`": {"auth": "`+login+`"}}}`)
	got, found, err := creds.Lookup(context.Background(), ref, nil)
	if err != nil || !found || got != want {
		t.Fatalf("Lookup(%s) = %q, %v, %v; want %s", ref, got, found, err, want)
	}
	wantReqs := []string{"HEAD /v2/devspace-test/private/manifests/v1", "GET /token", "HEAD /v2/devspace-test/private/manifests/v1"}
	if reqs := log.take(); strings.Join(reqs, "; ") != strings.Join(wantReqs, "; ") {
		t.Errorf("the registry was asked %q; want %q", reqs, wantReqs)
	}
	if len(logins) != 1 || logins[0] != "/token" {
		t.Errorf("the login went to %q; want the token service only", logins)
	}
	// A login the token service refuses: not found, and why.
	wrong := credentialsWith(t, `{"auths": {"`+addr+`": {"auth": "`+base64.StdEncoding.EncodeToString([]byte("u1:nope"))+`"}}}`)
	if _, _, err := wrong.Lookup(context.Background(), ref, nil); err == nil || !strings.Contains(err.Error(), "docker login "+addr) {
		t.Errorf("Lookup with a refused login: error %v, want one that says `docker login %s`", err, addr)
	}
}

// bearerOnly pushes to the test's token registry with its token.
type bearerOnly struct{}

func (bearerOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer t0ken")
	return http.DefaultTransport.RoundTrip(r)
}

// TestParseChallenge reads the challenges registries send.
func TestParseChallenge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		headers    []string
		scheme     string
		parameters map[string]string
	}{
		{[]string{`Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push"`},
			"Bearer", map[string]string{"realm": "https://auth.docker.io/token", "service": "registry.docker.io", "scope": "repository:library/busybox:pull,push"}},
		{[]string{`Basic realm="Registry Realm"`}, "Basic", map[string]string{"realm": "Registry Realm"}},
		{[]string{`Basic realm=x`, `Bearer Realm="a\"b", service=s`}, "Bearer", map[string]string{"realm": `a"b`, "service": "s"}},
		{[]string{`Negotiate`}, "", nil},
		{[]string{`Bearer realm="unclosed`}, "", nil},
	} {
		ch, ok := parseChallenge(tc.headers)
		if tc.scheme == "" {
			if ok {
				t.Errorf("parseChallenge(%q) = %+v; want none", tc.headers, ch)
			}
			continue
		}
		if !ok || ch.Scheme != tc.scheme || len(ch.Parameters) != len(tc.parameters) {
			t.Errorf("parseChallenge(%q) = %+v, %v; want %s %v", tc.headers, ch, ok, tc.scheme, tc.parameters)
			continue
		}
		for k, v := range tc.parameters {
			if ch.Parameters[k] != v {
				t.Errorf("parseChallenge(%q): %s = %q; want %q", tc.headers, k, ch.Parameters[k], v)
			}
		}
	}
}

// BenchmarkRegistryLookup8 looks up 8 tags at once in a registry on
// loopback (in this process), as a fresh checkout of 8 images does: with
// one manifest HEAD each (headDigest), and the full way through
// go-containerregistry (ping, then HEAD) that it replaced.
func BenchmarkRegistryLookup8(b *testing.B) {
	var refs []string
	addr := serveRegistry(b, "127.0.0.1", nil)
	for i := range 8 {
		ref := fmt.Sprintf("%s/devspace-bench/img%d:v1", addr, i)
		pushRandom(b, ref)
		refs = append(refs, ref)
	}
	creds := credentialsWith(b, `{}`)
	for _, way := range []struct {
		name   string
		lookup func(context.Context, *authCache, reference.NamedTagged) (string, error)
	}{
		{"one-head", func(ctx context.Context, c *authCache, ref reference.NamedTagged) (string, error) {
			if d, ok := headDigest(ctx, c, ref); ok {
				return d, nil
			}
			return "", fmt.Errorf("%s: no digest from one HEAD", ref)
		}},
		{"ping-then-head", pulledDigest},
	} {
		b.Run(way.name, func(b *testing.B) {
			for b.Loop() {
				var wg sync.WaitGroup
				for _, ref := range refs {
					wg.Go(func() {
						tagged, err := parseTagged(ref)
						if err == nil {
							_, err = way.lookup(context.Background(), creds.creds, tagged)
						}
						if err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
			}
		})
	}
}
