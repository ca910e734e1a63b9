package testbed

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKube: the cluster testbed/testbed up started answers: /readyz, the
// node is Ready, kubectl (when installed) lists it, the auth registry wants
// its login, and a pod of the pause image from the local registry (pushed
// there by testbed up) becomes Ready.
func TestKube(t *testing.T) {
	env := Kube(t)
	if env.Context != KubeContext {
		t.Errorf("context %q, want %q", env.Context, KubeContext)
	}
	api := newAPIClient(t, env.Kubeconfig)
	if body, err := api.do(http.MethodGet, "/readyz", nil, nil); err != nil || string(body) != "ok" {
		t.Fatalf("GET /readyz: %q, %v", body, err)
	}
	var node struct {
		Status struct {
			Conditions []struct{ Type, Status string }
		}
	}
	if _, err := api.do(http.MethodGet, "/api/v1/nodes/localhost", nil, &node); err != nil {
		t.Fatal(err)
	}
	ready := false
	for _, c := range node.Status.Conditions {
		ready = ready || c.Type == "Ready" && c.Status == "True"
	}
	if !ready {
		t.Errorf("node localhost is not Ready: %+v", node.Status.Conditions)
	}

	if kubectl, err := exec.LookPath("kubectl"); err == nil {
		cmd := exec.Command(kubectl, "--kubeconfig", env.Kubeconfig, "get", "nodes", "-o", "name")
		out, err := cmd.Output()
		if err != nil || strings.TrimSpace(string(out)) != "node/localhost" {
			t.Errorf("kubectl get nodes: %q, %v", out, err)
		}
	}

	if env.AuthRegistry != "" {
		for _, tt := range []struct {
			login bool
			want  int
		}{{false, http.StatusUnauthorized}, {true, http.StatusOK}} {
			req, _ := http.NewRequest(http.MethodGet, "http://"+env.AuthRegistry+"/v2/", nil)
			if tt.login {
				req.SetBasicAuth(AuthRegistryUser, AuthRegistryPassword)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("auth registry /v2/ (login %v): %s, want %d", tt.login, resp.Status, tt.want)
			}
		}
	}

	registry := os.Getenv(EnvRegistry)
	if registry == "" {
		return
	}
	start := time.Now()
	ns := fmt.Sprintf("testbed-%d", time.Now().UnixNano())
	if _, err := api.do(http.MethodPost, "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": ns}}, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.do(http.MethodDelete, "/api/v1/namespaces/"+ns, nil, nil) })
	pod := map[string]any{
		"metadata": map[string]any{"name": "pause"},
		"spec": map[string]any{
			"automountServiceAccountToken":  false,
			"terminationGracePeriodSeconds": 0,
			"containers": []any{map[string]any{
				"name":  "pause",
				"image": registry + "/devspace-testbed/pause:1",
			}},
		},
	}
	// Pods are refused until the namespace's default ServiceAccount exists.
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err = api.do(http.MethodPost, "/api/v1/namespaces/"+ns+"/pods", pod, nil); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	var status struct {
		Status struct {
			Phase      string
			Conditions []struct{ Type, Status string }
		}
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, err := api.do(http.MethodGet, "/api/v1/namespaces/"+ns+"/pods/pause", nil, &status); err != nil {
			t.Fatal(err)
		}
		ready := false
		for _, c := range status.Status.Conditions {
			ready = ready || c.Type == "Ready" && c.Status == "True"
		}
		if ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod not Ready within 60s: %+v", status.Status)
		}
	}
	t.Logf("pod of %s/devspace-testbed/pause:1 Ready in %s", registry, time.Since(start).Round(time.Millisecond))
}

// TestKubeFromEnv: unset, Kube skips with the command to run (fails under
// CI, see TestUsable); a missing file is an error; a kubeconfig gives its
// current context, and the other variables fill their fields.
func TestKubeFromEnv(t *testing.T) {
	t.Parallel()
	vars := map[string]string{}
	getenv := func(k string) string { return vars[k] }

	_, skip, err := kubeFromEnv(getenv)
	if err != nil || !strings.Contains(skip, "testbed/testbed up") || !strings.Contains(skip, EnvKubeconfig) {
		t.Errorf("unset: skip %q, err %v", skip, err)
	}
	r := &recorder{TB: t}
	if usable(r, skip, err, true) || !strings.Contains(r.fatal, "CI is set") {
		t.Errorf("unset under CI: fatal %q", r.fatal)
	}

	vars[EnvKubeconfig] = filepath.Join(t.TempDir(), "missing")
	if _, _, err := kubeFromEnv(getenv); err == nil || !strings.Contains(err.Error(), "testbed/testbed up") {
		t.Errorf("missing file: err %v", err)
	}

	vars[EnvKubeconfig] = filepath.Join(t.TempDir(), "config")
	vars[EnvAuthRegistry] = "127.0.0.1:5001"
	vars[EnvKanikoImage] = "127.0.0.1:5000/devspace-testbed/kaniko:v1.24.0-0123456789ab"
	vars[EnvBuildKitImage] = "127.0.0.1:5000/devspace-testbed/buildkit:v0.34.2-ba9876543210"
	if err := os.WriteFile(vars[EnvKubeconfig], []byte("apiVersion: v1\ncontexts:\n- name: a\ncurrent-context: \"other\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env, skip, err := kubeFromEnv(getenv)
	if err != nil || skip != "" {
		t.Fatalf("skip %q, err %v", skip, err)
	}
	want := KubeEnv{
		Kubeconfig:    vars[EnvKubeconfig],
		Context:       "other",
		AuthRegistry:  "127.0.0.1:5001",
		KanikoImage:   vars[EnvKanikoImage],
		BuildKitImage: vars[EnvBuildKitImage],
	}
	if *env != want {
		t.Errorf("got %+v, want %+v", *env, want)
	}
	if got := env.Environ(); len(got) != 1 || got[0] != "KUBECONFIG="+want.Kubeconfig {
		t.Errorf("Environ() = %q", got)
	}
}

// TestBuilderImages: the kaniko and BuildKit images that testbed up names
// are in their registry under exactly those tags (a pod would otherwise
// fail to pull them).
func TestBuilderImages(t *testing.T) {
	env := Kube(t)
	for _, ref := range []string{env.KanikoImage, env.BuildKitImage} {
		if ref == "" {
			continue
		}
		host, path, ok := strings.Cut(ref, "/")
		i := strings.LastIndex(path, ":")
		if !ok || i < 0 {
			t.Errorf("%q: not host/repository:tag", ref)
			continue
		}
		url := "http://" + host + "/v2/" + path[:i] + "/manifests/" + path[i+1:]
		req, _ := http.NewRequest(http.MethodHead, url, nil)
		req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("HEAD %s: %s", url, resp.Status)
		}
	}
}

// apiClient talks to the API server of a kubeconfig with a bearer token and
// an inline CA, the form testbed/testbed writes; enough to prove the
// cluster works without linking client-go into this package.
type apiClient struct {
	server string
	token  string
	hc     *http.Client
}

func newAPIClient(t testing.TB, kubeconfig string) *apiClient {
	t.Helper()
	data, err := os.ReadFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	c := &apiClient{}
	var ca []byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), ": ")
		switch {
		case !ok:
		case key == "server" && c.server == "":
			c.server = value
		case key == "token" && c.token == "":
			c.token = value
		case key == "certificate-authority-data" && ca == nil:
			if ca, err = base64.StdEncoding.DecodeString(value); err != nil {
				t.Fatalf("%s: certificate-authority-data: %v", kubeconfig, err)
			}
		}
	}
	if c.server == "" || c.token == "" || ca == nil {
		Require(t, kubeconfig+" has no server, token and certificate-authority-data (not written by testbed/testbed)")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		t.Fatalf("%s: no certificate in certificate-authority-data", kubeconfig)
	}
	c.hc = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(c.hc.CloseIdleConnections)
	return c
}

// do sends body (JSON) and decodes the answer into out when given; it
// returns the raw answer, and an error for any status but 2xx.
func (c *apiClient) do(method, path string, body, out any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.server+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return data, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	if out != nil {
		return data, json.Unmarshal(data, out)
	}
	return data, nil
}
