package docker

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/go-connections/tlsconfig"
	"github.com/moby/moby/client"
)

// DefaultHost is the daemon of the "default" context on Linux.
const DefaultHost = "unix:///var/run/docker.sock"

// Endpoint is the Docker Engine a Builder talks to, and what chose it.
type Endpoint struct {
	// Host is the daemon address: unix:///…, tcp://host:port, …
	Host string
	// Context is the Docker context in use; "default" when none is.
	Context string
	// Source says what selected Host, for messages: "DOCKER_HOST",
	// "DOCKER_CONTEXT", "currentContext in /root/.docker/config.json" or
	// "default".
	Source string
	// TLS is set when the connection uses TLS.
	TLS *TLSFiles
}

// TLSFiles are the client TLS settings of an endpoint. Empty file names
// are not used.
type TLSFiles struct {
	CAFile, CertFile, KeyFile string
	SkipVerify                bool
}

func (e Endpoint) String() string {
	if e.Context != "" && e.Context != "default" {
		return fmt.Sprintf("%s (context %q, from %s)", e.Host, e.Context, e.Source)
	}
	return fmt.Sprintf("%s (from %s)", e.Host, e.Source)
}

// DaemonUnreachableError says that no Docker daemon answered at the
// endpoint, and how to fix that.
type DaemonUnreachableError struct {
	Endpoint Endpoint
	Err      error
}

func (e *DaemonUnreachableError) Error() string {
	// The dial error says what went wrong without the client's own advice.
	var detail error = e.Err
	var op *net.OpError
	if errors.As(e.Err, &op) {
		detail = op
	}
	return fmt.Sprintf("cannot reach the Docker daemon at %s: %v\n"+
		"  start Docker, set DOCKER_HOST to a running daemon (e.g. unix:///var/run/docker.sock), "+
		"or select one with `docker context use NAME`", e.Endpoint, detail)
}

func (e *DaemonUnreachableError) Unwrap() error { return e.Err }

// resolveEndpoint picks the daemon as the docker CLI does: DOCKER_HOST,
// then DOCKER_CONTEXT, then the config file's currentContext, then the
// default socket.
func resolveEndpoint(getenv func(string) string, configDir, currentContext string) (Endpoint, error) {
	if host := getenv("DOCKER_HOST"); host != "" {
		return Endpoint{Host: host, Context: "default", Source: "DOCKER_HOST", TLS: envTLS(getenv, configDir)}, nil
	}
	name, source := getenv("DOCKER_CONTEXT"), "DOCKER_CONTEXT"
	if name == "" {
		name, source = currentContext, "currentContext in "+filepath.Join(configDir, "config.json")
	}
	if name == "" {
		source = "default"
	}
	if name == "" || name == "default" {
		return Endpoint{Host: DefaultHost, Context: "default", Source: source, TLS: envTLS(getenv, configDir)}, nil
	}
	return readContext(configDir, name, source)
}

// envTLS reads DOCKER_CERT_PATH and DOCKER_TLS_VERIFY as the docker CLI
// does: TLS is on when either is set; certificates come from
// DOCKER_CERT_PATH or the config directory.
func envTLS(getenv func(string) string, configDir string) *TLSFiles {
	certPath, verify := getenv("DOCKER_CERT_PATH"), getenv("DOCKER_TLS_VERIFY") != ""
	if certPath == "" && !verify {
		return nil
	}
	if certPath == "" {
		certPath = configDir
	}
	return existingTLSFiles(certPath, !verify)
}

func existingTLSFiles(dir string, skipVerify bool) *TLSFiles {
	t := &TLSFiles{SkipVerify: skipVerify}
	for name, dst := range map[string]*string{"ca.pem": &t.CAFile, "cert.pem": &t.CertFile, "key.pem": &t.KeyFile} {
		if p := filepath.Join(dir, name); fileExists(p) {
			*dst = p
		}
	}
	return t
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// contextMeta is the part of a context's meta.json we use.
type contextMeta struct {
	Endpoints map[string]struct {
		Host          string
		SkipTLSVerify bool
	}
}

// readContext reads a named context from the docker CLI's context store:
// contexts/meta/<sha256(name)>/meta.json, TLS files in
// contexts/tls/<sha256(name)>/docker/.
func readContext(configDir, name, source string) (Endpoint, error) {
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	metaFile := filepath.Join(configDir, "contexts", "meta", id, "meta.json")
	data, err := os.ReadFile(metaFile)
	if errors.Is(err, os.ErrNotExist) {
		return Endpoint{}, fmt.Errorf("docker context %q (from %s) does not exist (no %s): run `docker context ls`, then `docker context use NAME`", name, source, metaFile)
	}
	if err != nil {
		return Endpoint{}, fmt.Errorf("reading docker context %q: %w", name, err)
	}
	var meta contextMeta
	if err := json.Unmarshal(data, &meta); err != nil {
		return Endpoint{}, fmt.Errorf("reading docker context %q: %s: %w", name, metaFile, err)
	}
	ep, ok := meta.Endpoints["docker"]
	if !ok || ep.Host == "" {
		return Endpoint{}, fmt.Errorf("docker context %q (from %s) has no docker endpoint (%s)", name, source, metaFile)
	}
	e := Endpoint{Host: ep.Host, Context: name, Source: source}
	tlsDir := filepath.Join(configDir, "contexts", "tls", id, "docker")
	if t := existingTLSFiles(tlsDir, ep.SkipTLSVerify); t.CAFile != "" || t.CertFile != "" || ep.SkipTLSVerify {
		e.TLS = t
	}
	return e, nil
}

// newAPIClient makes an Engine API client for e. The API version is
// negotiated on the first request (Ping), unless DOCKER_API_VERSION fixes it.
func newAPIClient(e Endpoint, apiVersion string) (*client.Client, error) {
	if strings.HasPrefix(e.Host, "ssh://") {
		return nil, fmt.Errorf("docker host %s: ssh:// hosts are not supported yet; forward the socket (ssh -L /tmp/docker.sock:/var/run/docker.sock HOST) and set DOCKER_HOST=unix:///tmp/docker.sock", e)
	}
	opts := []client.Opt{}
	if e.TLS != nil {
		cfg, err := tlsconfig.Client(tlsconfig.Options{
			CAFile:             e.TLS.CAFile,
			CertFile:           e.TLS.CertFile,
			KeyFile:            e.TLS.KeyFile,
			InsecureSkipVerify: e.TLS.SkipVerify,
		})
		if err != nil {
			return nil, fmt.Errorf("TLS settings for docker host %s: %w", e, err)
		}
		opts = append(opts, client.WithHTTPClient(&http.Client{
			Transport:     &http.Transport{TLSClientConfig: cfg},
			CheckRedirect: client.CheckRedirect,
		}), client.WithScheme("https"))
	}
	opts = append(opts, client.WithHost(e.Host))
	if apiVersion != "" {
		opts = append(opts, client.WithAPIVersion(apiVersion))
	}
	c, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker host %s: %w", e, err)
	}
	return c, nil
}
