package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/registry"

	"github.com/devspace-engine/devspace/helm"
	"github.com/devspace-engine/devspace/testbed"
)

// The test bed's registry that requires a login (testbed.AuthRegistryUser
// and testbed.AuthRegistryPassword).
const authUser, authPassword = testbed.AuthRegistryUser, testbed.AuthRegistryPassword

// testRegistry is host:port of a plain-HTTP registry on 127.0.0.1 named by
// the environment variable env; without it the test skips, except in CI.
func testRegistry(t *testing.T, env string) string {
	t.Helper()
	addr := os.Getenv(env)
	if addr == "" {
		testbed.Require(t, env+" is not set: start the test bed with `eval \"$(testbed/testbed up)\"`")
	}
	return addr
}

// helmHome points Helm's cache, config and credential lookups at empty
// directories, so that the tests neither use nor leave the user's.
func helmHome(t *testing.T) []string {
	dir := t.TempDir()
	return []string{
		"HELM_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"HELM_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"HELM_DATA_HOME=" + filepath.Join(dir, "data"),
		"DOCKER_CONFIG=" + filepath.Join(dir, "docker"),
	}
}

// pushChart packages testdata/chart and pushes it to a fresh repository
// on the registry at addr; it returns the repository, oci://addr/....
func pushChart(t *testing.T, addr, user, password string) string {
	t.Helper()
	ch, err := loader.Load(testdata(t, "chart"))
	if err != nil {
		t.Fatal(err)
	}
	tgz, err := chartutil.Save(ch, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(tgz)
	if err != nil {
		t.Fatal(err)
	}
	opts := []registry.ClientOption{
		registry.ClientOptPlainHTTP(),
		registry.ClientOptCredentialsFile(filepath.Join(t.TempDir(), "config.json")),
	}
	if user != "" {
		opts = append(opts, registry.ClientOptBasicAuth(user, password))
	}
	rc, err := registry.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	repo := addr + "/devspace-helm-test-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	if _, err := rc.Push(data, repo+"/testchart:"+ch.Metadata.Version); err != nil {
		t.Fatalf("push the test chart to %s: %v", repo, err)
	}
	return "oci://" + repo
}

func TestOCIChart(t *testing.T) {
	repo := pushChart(t, testRegistry(t, "DEVSPACE_TEST_REGISTRY"), "", "")
	for _, c := range []helm.Chart{
		{Name: repo + "/testchart", Version: "0.1.0"},
		{Name: repo + "/testchart"}, // the latest version
		{Name: "testchart", RepoURL: repo + "/", Version: "0.1.0"},
	} {
		req := helm.Request{Release: "web", Chart: c, Values: map[string]any{"message": "from oci"}}
		resp := mustOp(t, helm.OpTemplate, req, helmHome(t)...)
		if !strings.Contains(resp.Manifest, `message: "from oci"`) {
			t.Errorf("chart %+v: manifest:\n%s", c, resp.Manifest)
		}
	}
}

func TestOCIChartLogin(t *testing.T) {
	repo := pushChart(t, testRegistry(t, "DEVSPACE_TEST_AUTH_REGISTRY"), authUser, authPassword)
	c := helm.Chart{Name: repo + "/testchart", Version: "0.1.0", Username: authUser, Password: authPassword}
	resp := mustOp(t, helm.OpTemplate, helm.Request{Release: "web", Chart: c}, helmHome(t)...)
	if !strings.Contains(resp.Manifest, "kind: ConfigMap") {
		t.Errorf("manifest:\n%s", resp.Manifest)
	}

	c.Username, c.Password = "", ""
	r := runOp(t, helm.OpTemplate, helm.Request{Release: "web", Chart: c}, helmHome(t)...)
	t.Logf("without a login: %s", r.lastLine())
	want := `template release "web" in namespace "default": fetch chart ` + c.Name + " 0.1.0: "
	if r.code != 1 || !strings.HasPrefix(r.lastLine(), want) {
		t.Errorf("without a login: exit %d, stderr %q; want exit 1 and %q...", r.code, r.stderr, want)
	}
}
