package docker

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/testbed"
)

// These tests resolve base images against the test bed's real daemon and
// registries; they only talk to 127.0.0.1.

const fakeDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// TestBaseDigestsRegistry: with pull the digest is the registry's, equal
// to what the push reported, and follows the tag when it is re-pushed;
// without pull the daemon's image wins, by the digest it was pushed with.
func TestBaseDigestsRegistry(t *testing.T) {
	t.Parallel()
	env, b := baseBuilder(t, `{}`)
	image := env.Registry + "/" + baseRepo("registry")
	ref := image + ":v1"

	first := buildBase(t, b, image, "first", true, "v1")
	if got := lookupBase(t, b, ref, true); got != (BaseDigest{ref, first.Digest, SourceRegistry}) {
		t.Errorf("after the first push: %+v, want digest %s from the registry", got, first.Digest)
	}

	second := buildBase(t, b, image, "second", true, "v1", "latest")
	if second.Digest == first.Digest {
		t.Fatalf("both pushes reported %s", first.Digest)
	}
	if got := lookupBase(t, b, ref, true); got != (BaseDigest{ref, second.Digest, SourceRegistry}) {
		t.Errorf("after re-pushing the tag: %+v, want digest %s from the registry", got, second.Digest)
	}
	if got := lookupBase(t, b, image, true); got.Digest != second.Digest {
		t.Errorf("%s without a tag: %+v, want latest at %s", image, got, second.Digest)
	}

	img, err := env.API(t).ImageInspect(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	// The daemon has the image it pushed: it knows the registry digest,
	// so the local lookup agrees with the registry's.
	if got := lookupBase(t, b, ref, false); got != (BaseDigest{ref, second.Digest, SourceLocal}) {
		t.Errorf("pull=false: %+v, want the pushed digest %s, found locally", got, second.Digest)
	}
	if img.ID != second.ID {
		t.Errorf("the daemon's image ID %s is not the one the build reported, %s", img.ID, second.ID)
	}
}

// TestBaseDigestsPerRef: one call resolves what it can and gives every
// other ref its own *BaseLookupError: an image only in the daemon when
// pulling, a registry that is down, a ref that does not parse. A pinned
// ref is never looked up (its registry does not exist); a ref given twice
// is looked up once.
func TestBaseDigestsPerRef(t *testing.T) {
	t.Parallel()
	env, b := baseBuilder(t, `{}`)
	localOnly := env.Registry + "/" + baseRepo("local-only") + ":v1"
	local := buildBase(t, b, strings.TrimSuffix(localOnly, ":v1"), "local only", false, "v1")
	pinned := "127.0.0.1:1/devspace-test/pinned@" + fakeDigest
	pinnedTagged := "127.0.0.1:1/devspace-test/pinned:v1@" + fakeDigest
	down := "127.0.0.1:1/devspace-test/down:v1"
	invalid := "Upper/Case:v1"

	for _, pull := range []bool{true, false} {
		t.Run(fmt.Sprintf("pull=%v", pull), func(t *testing.T) {
			start := time.Now()
			refs := []string{localOnly, pinned, pinnedTagged, down, invalid, down}
			got, errs := b.BaseDigests(context.Background(), refs, pull)
			t.Logf("%d refs in %s", len(refs), time.Since(start).Round(time.Millisecond))

			want := map[string]BaseDigest{
				pinned:       {pinned, fakeDigest, SourcePinned},
				pinnedTagged: {pinnedTagged, fakeDigest, SourcePinned},
			}
			wantErrs := map[string]string{down: "registry 127.0.0.1:1", invalid: ""}
			if pull {
				wantErrs[localOnly] = "registry " + env.Registry
			} else {
				want[localOnly] = BaseDigest{localOnly, local.ID, SourceLocal}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("digests\n%v\nwant\n%v", got, want)
			}
			if len(errs) != len(wantErrs) {
				t.Errorf("errors %v, want one for each of %v", errs, wantErrs)
			}
			for ref, where := range wantErrs {
				checkLookupError(t, errs[ref], ref, where)
			}
			if err := errs[down]; err != nil && !strings.Contains(err.Error(), "connection refused") {
				t.Errorf("error %q does not give the cause", err)
			}
			if err := errs[localOnly]; err != nil && !strings.Contains(err.Error(), "no such image or tag") {
				t.Errorf("error %q does not say the registry lacks the image", err)
			}
		})
	}
}

// TestBaseDigestsAuthRegistry: a registry that requires a login (Basic
// auth) answers with the credentials of the Docker config, and the error
// without them, or with wrong ones, says so and how to fix it.
func TestBaseDigestsAuthRegistry(t *testing.T) {
	t.Parallel()
	env := testbed.Docker(t)
	registry := env.AuthRegistry(t)
	_, b := baseBuilder(t, loginConfig(registry, testbed.AuthRegistryPassword))
	image := registry + "/" + baseRepo("auth")
	pushed := buildBase(t, b, image, "private", true, "v1")
	ref := image + ":v1"
	if got := lookupBase(t, b, ref, true); got.Digest != pushed.Digest || got.Source != SourceRegistry {
		t.Errorf("with credentials: %+v, want %s from the registry", got, pushed.Digest)
	}
	checkRefused(t, ref, registry, `{}`, "the registry requires credentials: run `docker login "+registry+"`")
	checkRefused(t, ref, registry, loginConfig(registry, "wrong"), "the registry refused the credentials: run `docker login "+registry+"`")
}

// TestBaseDigestsTokenRegistry: the Bearer token flow (Docker Hub, GHCR,
// …) against a real registry with token auth: the token is asked for with
// the config's credentials and the pull scope of the repository; an
// anonymous token is not enough for this private repository.
func TestBaseDigestsTokenRegistry(t *testing.T) {
	t.Parallel()
	testbed.Docker(t)
	registry, tokens := tokenRegistry(t)
	_, b := baseBuilder(t, loginConfig(registry, testbed.AuthRegistryPassword))
	repo := baseRepo("token")
	pushed := buildBase(t, b, registry+"/"+repo, "token", true, "v1")
	ref := registry + "/" + repo + ":v1"
	tokens.reset()
	if got := lookupBase(t, b, ref, true); got.Digest != pushed.Digest || got.Source != SourceRegistry {
		t.Errorf("with credentials: %+v, want %s from the registry", got, pushed.Digest)
	}
	if want := []string{testbed.AuthRegistryUser + " repository:" + repo + ":pull"}; fmt.Sprint(tokens.get()) != fmt.Sprint(want) {
		t.Errorf("token requests %q, want %q", tokens.get(), want)
	}
	checkRefused(t, ref, registry, `{}`, "the registry requires credentials: run `docker login "+registry+"`")
	checkRefused(t, ref, registry, loginConfig(registry, "wrong"), "token GET http://127.0.0.1:")
}

// BenchmarkBaseDigest times one lookup of an image the test registry has:
// in the daemon (pull=false) and in the registry (pull=true).
func BenchmarkBaseDigest(b *testing.B) {
	env, bl := baseBuilder(b, `{}`)
	image := env.Registry + "/" + baseRepo("bench")
	buildBase(b, bl, image, "bench", true, "v1")
	for _, bc := range []struct {
		name string
		pull bool
	}{{"local", false}, {"registry", true}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				lookupBase(b, bl, image+":v1", bc.pull)
			}
		})
	}
}

// baseBuilder returns the test bed and a Builder for it whose Docker
// config file holds configJSON.
func baseBuilder(t testing.TB, configJSON string) (*testbed.DockerEnv, *Builder) {
	t.Helper()
	env := testbed.Docker(t)
	env.Busybox(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(configJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := New(context.Background(), Options{Getenv: env.Getenv, ConfigDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return env, b
}

func loginConfig(registry, password string) string {
	auth := base64.StdEncoding.EncodeToString([]byte(testbed.AuthRegistryUser + ":" + password))
	return `{"auths": {"` + registry + `": {"auth": "` + auth + `"}}}`
}

// baseRepo is a repository name unique to this run.
func baseRepo(what string) string {
	return fmt.Sprintf("devspace-test/base-%s-%06d", what, mathrand.IntN(1e6))
}

// buildBase builds a busybox-based image whose content depends on marker,
// tagged image:tag for each tag, and pushes it when push is set.
func buildBase(t testing.TB, b *Builder, image, marker string, push bool, tags ...string) imagebuild.Result {
	t.Helper()
	dir := t.TempDir()
	dockerfile := []byte("FROM devspace-test/busybox\nRUN echo '" + marker + "' > /marker\n")
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), dockerfile, 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	res, err := b.Build(context.Background(), imagebuild.Request{
		Name: "base", Image: image, Tags: tags, ContextDir: dir,
		Dockerfile: filepath.Join(dir, "Dockerfile"), DockerfileText: dockerfile,
		Push: push, Log: &log,
	})
	if err != nil {
		t.Fatalf("%v\nbuild log:\n%s", err, log.String())
	}
	return res
}

// lookupBase resolves one ref, failing t on an error, and logs the time.
func lookupBase(t testing.TB, b *Builder, ref string, pull bool) BaseDigest {
	t.Helper()
	start := time.Now()
	got, errs := b.BaseDigests(context.Background(), []string{ref}, pull)
	if _, ok := t.(*testing.T); ok {
		t.Logf("BaseDigests(%s, pull=%v): %s in %s", ref, pull, got[ref].Source, time.Since(start).Round(time.Microsecond))
	}
	if err := errs[ref]; err != nil {
		t.Fatal(err)
	}
	return got[ref]
}

// checkLookupError checks that err is a *BaseLookupError for ref that
// asked where ("" for a ref that does not parse) and says so.
func checkLookupError(t *testing.T, err error, ref, where string) {
	t.Helper()
	var le *BaseLookupError
	switch {
	case !errors.As(err, &le):
		t.Errorf("%s: error %v, want a *BaseLookupError", ref, err)
	case le.Ref != ref || le.Where != where || le.Err == nil:
		t.Errorf("%s: error %#v, want Ref %s, Where %q and a cause", ref, le, ref, where)
	case !strings.Contains(err.Error(), ref) || !strings.Contains(err.Error(), where):
		t.Errorf("error %q does not name %s and %s", err, ref, where)
	default:
		t.Logf("%s: %v", ref, err)
	}
}

// checkRefused checks that a Builder with configJSON cannot resolve ref
// with pull and says why.
func checkRefused(t *testing.T, ref, registry, configJSON, want string) {
	t.Helper()
	_, b := baseBuilder(t, configJSON)
	_, errs := b.BaseDigests(context.Background(), []string{ref}, true)
	checkLookupError(t, errs[ref], ref, "registry "+registry)
	if err := errs[ref]; err != nil && !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

// tokenLog records the token requests: "user scope…" ("-" for anonymous).
type tokenLog struct {
	mu       sync.Mutex
	requests []string
}

func (l *tokenLog) add(s string) { l.mu.Lock(); l.requests = append(l.requests, s); l.mu.Unlock() }
func (l *tokenLog) reset()       { l.mu.Lock(); l.requests = nil; l.mu.Unlock() }
func (l *tokenLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.requests...)
}

// tokenRegistry starts a docker-registry on 127.0.0.1 that requires
// Bearer tokens from a token service that grants the requested actions to
// AuthRegistryUser and none to anonymous callers, as Docker Hub does for a
// private repository. Both are served at one host:port (an httptest
// server answers /token and passes the rest on to the registry), which it
// returns: go-containerregistry refuses a token realm at another private
// or loopback address than the registry's own.
func tokenRegistry(t *testing.T) (string, *tokenLog) {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		testbed.Require(t, fmt.Sprintf("docker-registry is not installed (testbed/install.sh): %v", err))
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "devspace-test-token"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	log := &tokenLog{}
	addr := freeAddr(t)
	front := httptest.NewServer(tokenFront(tokenHandler(key, cert, log), addr))
	t.Cleanup(front.Close)

	dir := t.TempDir()
	bundle := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}), 0o644); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: %s}}
http: {addr: %s, secret: devspace-test}
auth: {token: {realm: %s/token, service: devspace-test, issuer: devspace-test-issuer, rootcertbundle: %s}}
`, filepath.Join(dir, "data"), addr, front.URL, bundle)
	configFile := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(configFile, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", configFile)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("token registry log:\n%s", out.String())
		}
	})
	waitUnauthorized(t, front.URL+"/v2/")
	return strings.TrimPrefix(front.URL, "http://"), log
}

// tokenFront serves the token service at /token and passes every other
// request on to the registry at addr, keeping the Host it was asked for.
func tokenFront(tokens http.Handler, addr string) http.Handler {
	registry := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr})
	registry.ErrorLog = log.New(io.Discard, "", 0) // refused until the registry is up
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			tokens.ServeHTTP(w, r)
			return
		}
		registry.ServeHTTP(w, r)
	})
}

// tokenHandler issues registry tokens: ES256 JWTs whose x5c header holds
// the certificate in the registry's rootcertbundle.
func tokenHandler(key *ecdsa.PrivateKey, cert []byte, log *tokenLog) http.HandlerFunc {
	enc := base64.RawURLEncoding
	return func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if ok && (user != testbed.AuthRegistryUser || pass != testbed.AuthRegistryPassword) {
			http.Error(w, `{"details":"incorrect username or password"}`, http.StatusUnauthorized)
			return
		}
		scopes := r.URL.Query()["scope"]
		if !ok {
			user = "-"
		}
		log.add(strings.Join(append([]string{user}, scopes...), " "))
		access := []map[string]any{}
		for _, scope := range scopes {
			// repository:NAME:ACTIONS, where NAME may hold a port.
			typ, rest, _ := strings.Cut(scope, ":")
			i := strings.LastIndex(rest, ":")
			if ok && i > 0 {
				access = append(access, map[string]any{"type": typ, "name": rest[:i], "actions": strings.Split(rest[i+1:], ",")})
			}
		}
		now := time.Now().Unix()
		header, _ := json.Marshal(map[string]any{"typ": "JWT", "alg": "ES256", "x5c": []string{base64.StdEncoding.EncodeToString(cert)}})
		claims, _ := json.Marshal(map[string]any{"iss": "devspace-test-issuer", "sub": user, "aud": r.URL.Query().Get("service"),
			"exp": now + 300, "nbf": now - 10, "iat": now, "jti": fmt.Sprint(mathrand.Int64()), "access": access})
		signed := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
		sum := sha256.Sum256([]byte(signed))
		r1, s1, err := ecdsa.Sign(rand.Reader, key, sum[:])
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		sig := make([]byte, 64)
		r1.FillBytes(sig[:32])
		s1.FillBytes(sig[32:])
		json.NewEncoder(w).Encode(map[string]string{"token": signed + "." + enc.EncodeToString(sig)})
	}
}

// freeAddr returns a 127.0.0.1 address no one listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitUnauthorized waits until url answers 401 (the registry is up and
// requires tokens).
func waitUnauthorized(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				return
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the token registry at %s did not come up: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
