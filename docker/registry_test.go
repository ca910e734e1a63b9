package docker

import (
	"context"
	"encoding/base64"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/devspace-engine/devspace/testbed"
)

// These tests ask registries that run in the test process (over real
// HTTP on loopback addresses) through the public Credentials API.

// TestCredentialsDigestLoopback: a registry on any loopback address, not
// only 127.0.0.1, is asked over plain HTTP as the daemon does; Digest
// returns what a push reported and Exists tells a pushed tag from a
// missing one.
func TestCredentialsDigestLoopback(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"127.0.0.1", "127.1.2.3", "localhost", "[::1]"} {
		t.Run(host, func(t *testing.T) {
			t.Parallel()
			addr := serveRegistry(t, host, nil)
			ref := addr + "/devspace-test/app:v1"
			want := pushRandom(t, ref)
			creds := credentialsWith(t, `{}`)
			got, err := creds.Digest(context.Background(), ref)
			if err != nil || got != want {
				t.Errorf("Digest(%s) = %q, %v; want %s", ref, got, err, want)
			}
			checkExists(t, creds, ref, true)
			checkExists(t, creds, addr+"/devspace-test/app:missing", false)
		})
	}
}

// TestCredentialsDigestWithoutHeader: a registry that answers HEAD
// without Docker-Content-Digest is asked again with GET, and the digest
// is that of the manifest it serves.
func TestCredentialsDigestWithoutHeader(t *testing.T) {
	t.Parallel()
	var heads sync.Map
	addr := serveRegistry(t, "127.0.0.1", func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodHead {
				heads.Store(r.URL.Path, true)
				w = &dropDigest{ResponseWriter: w}
			}
			next.ServeHTTP(w, r)
		})
	})
	ref := addr + "/devspace-test/nodigest:v1"
	want := pushRandom(t, ref)
	creds := credentialsWith(t, `{}`)
	got, err := creds.Digest(context.Background(), ref)
	if err != nil || got != want {
		t.Errorf("Digest = %q, %v; want %s", got, err, want)
	}
	if _, ok := heads.Load("/v2/devspace-test/nodigest/manifests/v1"); !ok {
		t.Error("the registry was not asked with HEAD first")
	}
	checkExists(t, creds, ref, true)
}

// dropDigest is a ResponseWriter that leaves out Docker-Content-Digest.
type dropDigest struct{ http.ResponseWriter }

func (d *dropDigest) WriteHeader(code int) {
	d.Header().Del("Docker-Content-Digest")
	d.ResponseWriter.WriteHeader(code)
}

// TestCredentialsLoginOnlyWhenAsked: the config's login is sent only to a
// registry that asks for one (a 401), and a credential helper that cannot
// run fails only the lookups that need it, with the fix in the error.
func TestCredentialsLoginOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var sent []string // "path Authorization"
	record := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			sent = append(sent, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
			mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}
	open := serveRegistry(t, "127.0.0.1", record)
	private := serveRegistry(t, "127.0.0.1", func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if user, pass, ok := r.BasicAuth(); !ok || user != "u1" || pass != "p1" {
				w.Header().Set("WWW-Authenticate", `Basic realm="devspace-test"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	openRef := open + "/devspace-test/open:v1"
	openDigest := pushRandom(t, openRef)

	login := base64.StdEncoding.EncodeToString([]byte("u1:p1"))
	creds := credentialsWith(t, `{"auths": {"`+open+`": {"auth": "`+login+`"}, "`+private+`": {"auth": "`+login+`"}}}`)
	if got, err := creds.Digest(context.Background(), openRef); err != nil || got != openDigest {
		t.Errorf("Digest(%s) = %q, %v; want %s", openRef, got, err, openDigest)
	}
	mu.Lock()
	for _, req := range sent {
		if strings.HasSuffix(req, " "+"Basic "+login) {
			t.Errorf("the login went to a registry that did not ask for it: %s", req)
		}
	}
	mu.Unlock()
	// The private registry refuses the push without the login, and
	// answers with it.
	privateRef := private + "/devspace-test/private:v1"
	privateDigest := pushRandom(t, privateRef, remote.WithAuth(&authn.Basic{Username: "u1", Password: "p1"}))
	if got, err := creds.Digest(context.Background(), privateRef); err != nil || got != privateDigest {
		t.Errorf("Digest(%s) with the login = %q, %v; want %s", privateRef, got, err, privateDigest)
	}

	broken := credentialsWith(t, `{"credHelpers": {"`+open+`": "devspace-test-missing", "`+private+`": "devspace-test-missing"}}`)
	if got, err := broken.Digest(context.Background(), openRef); err != nil || got != openDigest {
		t.Errorf("Digest(%s) with a broken helper for a registry that needs no login = %q, %v", openRef, got, err)
	}
	_, err := broken.Digest(context.Background(), privateRef)
	if err == nil || !strings.Contains(err.Error(), "run `docker login "+private+"`") {
		t.Errorf("Digest(%s) with a broken helper: error %v, want one that says `docker login %s`", privateRef, err, private)
	}
}

// TestCredentialsNoPlainHTTPElsewhere: a registry that is not on a
// loopback address is never asked over plain HTTP (go-containerregistry
// would fall back to it for private address ranges such as 10.0.0.0/8).
func TestCredentialsNoPlainHTTPElsewhere(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	creds := credentialsWith(t, `{}`)
	_, err := creds.Digest(ctx, "10.255.255.1:5000/devspace-test/app:v1")
	if err == nil || !strings.Contains(err.Error(), "not asking 10.255.255.1:5000 over plain HTTP") {
		t.Errorf("error %v, want one that refuses plain HTTP", err)
	}
}

// serveRegistry starts an in-memory registry on host (an address to
// listen on) behind wrap (nil: none) and returns its host:port.
func serveRegistry(t testing.TB, host string, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(strings.Trim(host, "[]"), "0"))
	if err != nil {
		if host == "[::1]" {
			t.Skipf("no IPv6 loopback here: %v", err)
		}
		t.Fatal(err)
	}
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return host + ":" + port
}

// pushRandom pushes a small random image as ref and returns its digest.
func pushRandom(t testing.TB, ref string, opts ...remote.Option) string {
	t.Helper()
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img, opts...); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// credentialsWith reads a Docker config that holds configJSON.
func credentialsWith(t testing.TB, configJSON string) *Credentials {
	t.Helper()
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{"config.json": configJSON})
	creds, err := NewCredentials(func(k string) string {
		if k == "DOCKER_CONFIG" {
			return dir
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return creds
}

func checkExists(t *testing.T, creds *Credentials, ref string, want bool) {
	t.Helper()
	got, err := creds.Exists(context.Background(), ref, true)
	if err != nil || got != want {
		t.Errorf("Exists(%s) = %v, %v; want %v", ref, got, err, want)
	}
}
