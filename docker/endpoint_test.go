package docker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeContextMeta creates a docker CLI context in configDir.
func writeContextMeta(t *testing.T, configDir, name, host string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(name))
	dir := filepath.Join(configDir, "contexts", "meta", hex.EncodeToString(sum[:]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	meta := `{"Name":"` + name + `","Metadata":{},"Endpoints":{"docker":{"Host":"` + host + `","SkipTLSVerify":false}}}`
	if err := os.WriteFile(filepath.Join(dir, "meta.json"), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(sum[:])
}

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestResolveEndpoint(t *testing.T) {
	t.Parallel()
	cfg := t.TempDir()
	writeContextMeta(t, cfg, "remote", "tcp://10.0.0.9:2375")
	writeContextMeta(t, cfg, "current", "unix:///run/current.sock")
	id := writeContextMeta(t, cfg, "secure", "tcp://10.0.0.7:2376")
	tlsDir := filepath.Join(cfg, "contexts", "tls", id, "docker")
	if err := os.MkdirAll(tlsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ca.pem", "cert.pem", "key.pem"} {
		if err := os.WriteFile(filepath.Join(tlsDir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfgFile := "currentContext in " + filepath.Join(cfg, "config.json")

	tests := []struct {
		name    string
		env     map[string]string
		current string
		want    Endpoint
	}{
		{"nothing set", nil, "", Endpoint{Host: DefaultHost, Context: "default", Source: "default"}},
		{"DOCKER_HOST wins over contexts", map[string]string{"DOCKER_HOST": "unix:///x.sock", "DOCKER_CONTEXT": "remote"}, "current",
			Endpoint{Host: "unix:///x.sock", Context: "default", Source: "DOCKER_HOST"}},
		{"DOCKER_CONTEXT wins over currentContext", map[string]string{"DOCKER_CONTEXT": "remote"}, "current",
			Endpoint{Host: "tcp://10.0.0.9:2375", Context: "remote", Source: "DOCKER_CONTEXT"}},
		{"currentContext", nil, "current", Endpoint{Host: "unix:///run/current.sock", Context: "current", Source: cfgFile}},
		{"DOCKER_CONTEXT=default", map[string]string{"DOCKER_CONTEXT": "default"}, "current",
			Endpoint{Host: DefaultHost, Context: "default", Source: "DOCKER_CONTEXT"}},
		{"context TLS files", map[string]string{"DOCKER_CONTEXT": "secure"}, "", Endpoint{Host: "tcp://10.0.0.7:2376", Context: "secure", Source: "DOCKER_CONTEXT",
			TLS: &TLSFiles{CAFile: filepath.Join(tlsDir, "ca.pem"), CertFile: filepath.Join(tlsDir, "cert.pem"), KeyFile: filepath.Join(tlsDir, "key.pem")}}},
		{"DOCKER_CERT_PATH without verify", map[string]string{"DOCKER_HOST": "tcp://h:2376", "DOCKER_CERT_PATH": tlsDir}, "",
			Endpoint{Host: "tcp://h:2376", Context: "default", Source: "DOCKER_HOST",
				TLS: &TLSFiles{CAFile: filepath.Join(tlsDir, "ca.pem"), CertFile: filepath.Join(tlsDir, "cert.pem"), KeyFile: filepath.Join(tlsDir, "key.pem"), SkipVerify: true}}},
		{"DOCKER_TLS_VERIFY uses the config dir", map[string]string{"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1"}, "",
			Endpoint{Host: "tcp://h:2376", Context: "default", Source: "DOCKER_HOST", TLS: &TLSFiles{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := resolveEndpoint(envOf(tt.env), cfg, tt.current)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("endpoint (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveEndpointMissingContext(t *testing.T) {
	t.Parallel()
	_, err := resolveEndpoint(envOf(nil), t.TempDir(), "gone")
	if err == nil {
		t.Fatal("no error for a context that does not exist")
	}
	for _, want := range []string{`docker context "gone"`, "currentContext", "docker context use"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestNewDaemonDown: no daemon at the endpoint gives an error that names
// the host, what chose it, and the fixes.
func TestNewDaemonDown(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "missing.sock")
	cfg := t.TempDir()
	writeContextMeta(t, cfg, "gone-daemon", "unix://"+sock)
	tests := []struct {
		name  string
		env   map[string]string
		wants []string
	}{
		{"DOCKER_HOST", map[string]string{"DOCKER_HOST": "unix://" + sock}, []string{"unix://" + sock, "from DOCKER_HOST"}},
		{"context", map[string]string{"DOCKER_CONTEXT": "gone-daemon"}, []string{"unix://" + sock, `context "gone-daemon"`, "from DOCKER_CONTEXT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(context.Background(), Options{Getenv: envOf(tt.env), ConfigDir: cfg})
			var unreachable *DaemonUnreachableError
			if !errors.As(err, &unreachable) {
				t.Fatalf("error %v (%T), want a *DaemonUnreachableError", err, err)
			}
			wants := append(tt.wants, "cannot reach the Docker daemon", "start Docker", "DOCKER_HOST", "docker context use")
			for _, want := range wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}
