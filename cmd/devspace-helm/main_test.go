package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"helm.sh/helm/v3/pkg/release"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/helm"
	"github.com/devspace-engine/devspace/testbed"
)

// binary is the companion built once for all tests: they run it as a
// process, the way devspace does.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "devspace-helm-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, helm.Binary)
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build devspace-helm:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the companion gave.
type result struct {
	resp   helm.Response
	stderr string
	code   int
}

// lastLine is the error line of a failed run.
func (r result) lastLine() string {
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	return lines[len(lines)-1]
}

// runRaw runs the companion with args and stdin; env entries override
// the test's environment.
func runRaw(t *testing.T, ctx context.Context, args []string, stdin []byte, env ...string) result {
	t.Helper()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = append(os.Environ(), append([]string{EnvDebug + "="}, env...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stderr: stderr.String()}
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run %s %v: %v", helm.Binary, args, err)
		}
		r.code = exitErr.ExitCode()
		if stdout.Len() > 0 {
			t.Errorf("%s %v failed (exit %d) but wrote to stdout: %q", helm.Binary, args, r.code, stdout.String())
		}
		return r
	}
	if err := json.Unmarshal(stdout.Bytes(), &r.resp); err != nil {
		t.Fatalf("%s %v: answer %q is not a helm.Response: %v", helm.Binary, args, stdout.String(), err)
	}
	return r
}

// runOp runs one operation with req.
func runOp(t *testing.T, op string, req helm.Request, env ...string) result {
	t.Helper()
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return runRaw(t, t.Context(), []string{op}, in, env...)
}

// mustOp runs an operation that must succeed.
func mustOp(t *testing.T, op string, req helm.Request, env ...string) helm.Response {
	t.Helper()
	r := runOp(t, op, req, env...)
	if r.code != 0 {
		t.Fatalf("%s: exit %d, stderr:\n%s", op, r.code, r.stderr)
	}
	return r.resp
}

func testdata(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// unreachableKubeconfig writes a kubeconfig whose cluster refuses every
// connection: an operation that must not touch a cluster still works with
// it, one that must fails at once.
func unreachableKubeconfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kubeconfig")
	const kc = `apiVersion: v1
kind: Config
clusters:
- name: nowhere
  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
users:
- name: nobody
  user: {token: x}
contexts:
- name: nowhere
  context: {cluster: nowhere, user: nobody, namespace: elsewhere}
current-context: nowhere
`
	if err := os.WriteFile(p, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTemplate(t *testing.T) {
	kc := unreachableKubeconfig(t)
	req := helm.Request{
		Kubeconfig: kc, Namespace: "ns1", Release: "web",
		Chart:  helm.Chart{Path: testdata(t, "chart")},
		Values: map[string]any{"image": "nginx:1.27", "message": "from values"},
	}
	start := time.Now()
	r := runOp(t, helm.OpTemplate, req, "KUBECONFIG="+kc)
	if r.code != 0 {
		t.Fatalf("template: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	// A cluster contact would have failed (connection refused) or hung.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("template took %v", d)
	}
	if r.stderr != "" {
		t.Errorf("stderr of a successful run is not empty: %q", r.stderr)
	}
	for _, want := range []string{
		"kind: Deployment", "image: nginx:1.27", // the user's value
		"replicas: 1", // the chart's default, merged under
		"kind: ConfigMap", "name: web-config", `message: "from values"`,
		`namespace: "ns1"`,
	} {
		if !strings.Contains(r.resp.Manifest, want) {
			t.Errorf("manifest lacks %q:\n%s", want, r.resp.Manifest)
		}
	}
	if r.resp.Revision != 0 || r.resp.Status != "" {
		t.Errorf("template answered revision %d status %q, want none", r.resp.Revision, r.resp.Status)
	}
	if r.resp.Notes != "web says from values.\n" {
		t.Errorf("notes = %q", r.resp.Notes)
	}
}

// A template with no namespace renders into "default", not the
// kubeconfig's namespace: it reads no kubeconfig.
func TestTemplateDefaultNamespace(t *testing.T) {
	kc := unreachableKubeconfig(t)
	req := helm.Request{Release: "web", Chart: helm.Chart{Path: testdata(t, "chart")}}
	resp := mustOp(t, helm.OpTemplate, req, "KUBECONFIG="+kc)
	for _, want := range []string{`namespace: "default"`, "image: nginx:default", `message: "hello"`} {
		if !strings.Contains(resp.Manifest, want) {
			t.Errorf("manifest lacks %q:\n%s", want, resp.Manifest)
		}
	}
}

func TestBadCalls(t *testing.T) {
	okReq := `{"release":"web","chart":{"path":"testdata/chart"}}`
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"bad JSON", []string{"template"}, "{not json", "bad request JSON on stdin"},
		{"empty stdin", []string{"status"}, "", "no request on stdin"},
		{"two values", []string{"template"}, okReq + okReq, "more than one JSON value"},
		{"unknown op", []string{"rollback"}, okReq, `unknown operation "rollback"`},
		{"no op", nil, okReq, "want one operation, got 0 arguments"},
		{"two ops", []string{"status", "template"}, okReq, "want one operation, got 2 arguments"},
		{"no release", []string{"status"}, `{"namespace":"x"}`, "release is empty"},
		{"no chart", []string{"upgrade"}, `{"release":"web"}`, "chart needs a path, a name or builtin"},
		{"bad timeout", []string{"upgrade"}, `{"release":"web","chart":{"path":"x"},"timeout":"5"}`, `timeout "5" is not a Go duration`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runRaw(t, t.Context(), tc.args, []byte(tc.stdin))
			if r.code != 2 {
				t.Fatalf("exit %d, want 2; stderr:\n%s", r.code, r.stderr)
			}
			if got := r.lastLine(); !strings.HasPrefix(got, "devspace-helm: ") || !strings.Contains(got, tc.want) {
				t.Errorf("error line %q, want devspace-helm: ...%s...", got, tc.want)
			}
			if !strings.Contains(r.stderr, "usage: devspace-helm upgrade|template|uninstall|status") {
				t.Errorf("no usage in stderr:\n%s", r.stderr)
			}
		})
	}
}

func TestMissingChartPath(t *testing.T) {
	missing := testdata(t, "no-such-chart")
	req := helm.Request{Namespace: "ns1", Release: "web", Chart: helm.Chart{Path: missing}}
	for _, op := range []string{helm.OpTemplate, helm.OpUpgrade} {
		// The chart is checked before the cluster is contacted.
		r := runOp(t, op, req, "KUBECONFIG="+unreachableKubeconfig(t))
		want := fmt.Sprintf("%s release \"web\" in namespace \"ns1\": chart path %s does not exist\n", op, missing)
		if r.code != 1 || r.stderr != want {
			t.Errorf("%s: exit %d, stderr %q; want exit 1, %q", op, r.code, r.stderr, want)
		}
	}
}

func TestMissingDependency(t *testing.T) {
	chart := testdata(t, "needsdep")
	// disableDependencyUpdate: the chart is taken as it is.
	r := runOp(t, helm.OpTemplate, helm.Request{Release: "web", Chart: helm.Chart{Path: chart, NoDependencyBuild: true}})
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	want := fmt.Sprintf(`chart "needsdep" (%s) depends on "redis", missing from its charts/ directory: run `+"`helm dependency build %s`", chart, chart)
	if !strings.Contains(r.lastLine(), want) {
		t.Errorf("error line %q\nwant it to contain %q", r.lastLine(), want)
	}
}

// Operations that need the cluster fail with Helm's "unreachable" error,
// and take the kubeconfig from $KUBECONFIG when the request names none
// (its namespace too).
func TestUnreachableCluster(t *testing.T) {
	kc := unreachableKubeconfig(t)
	for _, op := range []string{helm.OpStatus, helm.OpUninstall, helm.OpUpgrade} {
		req := helm.Request{Release: "web", Chart: helm.Chart{Path: testdata(t, "chart")}}
		r := runOp(t, op, req, "KUBECONFIG="+kc)
		want := op + ` release "web" in namespace "elsewhere": Kubernetes cluster unreachable: `
		if r.code != 1 || !strings.HasPrefix(r.lastLine(), want) || !strings.Contains(r.lastLine(), "127.0.0.1:1") {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and %q...", op, r.code, r.stderr, want)
		}
	}
}

// testKubeconfig is the test bed's kubeconfig; without one the cluster
// tests skip, except in CI, where they must run.
func testKubeconfig(t *testing.T) string {
	t.Helper()
	kc := os.Getenv("DEVSPACE_TEST_KUBECONFIG")
	if kc == "" {
		testbed.Require(t, "DEVSPACE_TEST_KUBECONFIG is not set: start the test bed with `eval \"$(testbed/testbed up)\"` (its kubeconfig is /tmp/devspace-testbed/kubeconfig)")
	}
	return kc
}

// testNamespace creates a fresh namespace, deleted when the test ends.
func testNamespace(t *testing.T, cs kubernetes.Interface) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	ns := "devspace-helm-test-" + hex.EncodeToString(b)
	obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	if _, err := cs.CoreV1().Namespaces().Create(t.Context(), obj, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace %s: %v", ns, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete namespace %s: %v", ns, err)
		}
	})
	return ns
}

func TestCluster(t *testing.T) {
	kc := testKubeconfig(t)
	restCfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatalf("kubeconfig %s: %v", kc, err)
	}
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	ns := testNamespace(t, cs)
	// replicas 0: the Deployment is ready at once, without pulling images.
	req := helm.Request{
		Kubeconfig: kc, Namespace: ns, Release: "web",
		Chart:  helm.Chart{Path: testdata(t, "chart")},
		Values: map[string]any{"message": "one", "replicas": 0},
	}
	configMessage := func() string {
		t.Helper()
		cm, err := cs.CoreV1().ConfigMaps(ns).Get(t.Context(), "web-config", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return "<none>"
		}
		if err != nil {
			t.Fatal(err)
		}
		return cm.Data["message"]
	}
	wantStatus := func(rev int, st string) {
		t.Helper()
		if got := mustOp(t, helm.OpStatus, req); got.Revision != rev || got.Status != st {
			t.Fatalf("status: revision %d %q, want %d %q", got.Revision, got.Status, rev, st)
		}
	}

	wantStatus(0, "")

	// Install, through the client devspace uses.
	var log bytes.Buffer
	resp, err := helm.Run(t.Context(), binary, helm.OpUpgrade, req, os.Environ(), &log)
	if err != nil {
		t.Fatalf("install: %v", err)
	}
	if resp.Revision != 1 || resp.Status != "deployed" || !strings.Contains(resp.Manifest, "kind: ConfigMap") || resp.Notes == "" {
		t.Fatalf("install answered %+v", resp)
	}
	if log.Len() != 0 {
		t.Errorf("install wrote to stderr: %q", log.String())
	}
	if got := configMessage(); got != "one" {
		t.Fatalf("ConfigMap message %q after install, want one", got)
	}

	// Upgrade with changed values, waiting for readiness.
	req.Values["message"], req.Wait, req.Timeout = "two", true, "2m"
	if resp := mustOp(t, helm.OpUpgrade, req); resp.Revision != 2 || resp.Status != "deployed" {
		t.Fatalf("upgrade answered revision %d %q", resp.Revision, resp.Status)
	}
	if got := configMessage(); got != "two" {
		t.Fatalf("ConfigMap message %q after upgrade, want two", got)
	}
	wantStatus(2, "deployed")

	// The same status through $KUBECONFIG, the request naming no kubeconfig.
	noKC := req
	noKC.Kubeconfig = ""
	if got := mustOp(t, helm.OpStatus, noKC, "KUBECONFIG="+kc); got.Revision != 2 {
		t.Errorf("status via $KUBECONFIG: revision %d, want 2", got.Revision)
	}

	t.Run("options", func(t *testing.T) { testOptions(t, req, configMessage) })
	t.Run("stuck", func(t *testing.T) { testStuck(t, cs, req) })
	t.Run("interrupted", func(t *testing.T) { testInterrupted(t, req) })

	// Uninstall removes the objects; a second one has nothing to do.
	req.Wait = true
	if resp := mustOp(t, helm.OpUninstall, req); resp.Revision == 0 || resp.Status != "uninstalled" {
		t.Errorf("uninstall answered %+v", resp)
	}
	if got := configMessage(); got != "<none>" {
		t.Errorf("ConfigMap still there after uninstall (message %q)", got)
	}
	if _, err := cs.AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Deployment after uninstall: %v, want not found", err)
	}
	wantStatus(0, "")
	if resp := mustOp(t, helm.OpUninstall, req); resp.Revision != 0 {
		t.Errorf("second uninstall answered %+v", resp)
	}
	// And the name can be installed again from scratch.
	req.Wait = false
	if resp := mustOp(t, helm.OpUpgrade, req); resp.Revision != 1 {
		t.Errorf("reinstall answered revision %d, want 1", resp.Revision)
	}
	mustOp(t, helm.OpUninstall, req)
}

// testOptions: the helm flags of upgradeArgs reach the SDK's upgrade:
// --reuse-values keeps the previous revision's message (without it the
// chart's default would come back), --description is recorded.
func testOptions(t *testing.T, req helm.Request, configMessage func() string) {
	before := configMessage()
	opt := req
	opt.Values = map[string]any{"replicas": 0}
	opt.Options = config.HelmOptions{ReuseValues: true, Description: "deployed with options"}
	mustOp(t, helm.OpUpgrade, opt)
	if got := configMessage(); got != before {
		t.Errorf("--reuse-values: message %q, want the previous %q", got, before)
	}
	cfg, _, err := connect(request{Request: req}, newLogSink(io.Discard, false))
	if err != nil {
		t.Fatal(err)
	}
	last, err := cfg.Releases.Last(req.Release)
	if err != nil {
		t.Fatal(err)
	}
	if last.Info.Description != "deployed with options" {
		t.Errorf("--description: the release says %q", last.Info.Description)
	}
	// The request's values are all there is again without the flag.
	mustOp(t, helm.OpUpgrade, req)
}

// testStuck leaves a revision marked pending-upgrade, as a deploy killed
// mid-way does: the next upgrade must say so and how to get out, and the
// way out it names must work.
func testStuck(t *testing.T, cs kubernetes.Interface, req helm.Request) {
	cfg, _, err := connect(request{Request: req}, newLogSink(io.Discard, false))
	if err != nil {
		t.Fatal(err)
	}
	last, err := cfg.Releases.Last(req.Release)
	if err != nil {
		t.Fatal(err)
	}
	stuck, info := *last, *last.Info
	stuck.Version, stuck.Info = last.Version+1, &info
	info.Status = release.StatusPendingUpgrade
	if err := cfg.Releases.Create(&stuck); err != nil {
		t.Fatalf("record a pending revision: %v", err)
	}

	r := runOp(t, helm.OpUpgrade, req)
	t.Logf("upgrade over a stuck revision: %s", r.lastLine())
	secret := fmt.Sprintf("sh.helm.release.v1.web.v%d", stuck.Version)
	for _, want := range []string{
		fmt.Sprintf(`upgrade release "web" in namespace %q: release is stuck in pending-upgrade at revision %d since `, req.Namespace, stuck.Version),
		fmt.Sprintf(`"helm rollback web %d -n %s"`, last.Version, req.Namespace),
		fmt.Sprintf(`kubectl -n %s delete secret %s`, req.Namespace, secret),
	} {
		if r.code != 1 || !strings.Contains(r.lastLine(), want) {
			t.Fatalf("upgrade over a stuck revision: exit %d, error %q\nwant it to contain %q", r.code, r.lastLine(), want)
		}
	}

	if err := cs.CoreV1().Secrets(req.Namespace).Delete(t.Context(), secret, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete %s: %v", secret, err)
	}
	if resp := mustOp(t, helm.OpUpgrade, req); resp.Revision != stuck.Version || resp.Status != "deployed" {
		t.Fatalf("upgrade after the fix answered revision %d %q, want %d deployed", resp.Revision, resp.Status, stuck.Version)
	}
}

// testInterrupted stops an upgrade that waits for a Deployment that never
// gets ready with SIGINT: the release must end up failed, not pending, so
// that the next upgrade goes through.
func testInterrupted(t *testing.T, req helm.Request) {
	before := mustOp(t, helm.OpStatus, req).Revision
	hang := req
	hang.Values = map[string]any{"replicas": 1, "image": "devspace-helm.invalid/never:1"}
	hang.Wait, hang.Timeout = true, "2m"
	in, err := json.Marshal(hang)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), binary, helm.OpUpgrade)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once the new revision is recorded and Helm is waiting.
	deadline := time.Now().Add(time.Minute)
	for mustOp(t, helm.OpStatus, req).Status != release.StatusPendingUpgrade.String() {
		if time.Now().After(deadline) {
			t.Fatal("the upgrade never became pending-upgrade")
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("interrupted upgrade: %v (exit %d), stderr:\n%s", err, code, stderr.String())
	}
	t.Logf("interrupted upgrade, stderr:\n%s", stderr.String())
	if want := `upgrade release "web" in namespace "` + req.Namespace + `": interrupted by a signal`; !strings.HasSuffix(strings.TrimSpace(stderr.String()), want) {
		t.Errorf("stderr does not end with %q:\n%s", want, stderr.String())
	}
	if st := mustOp(t, helm.OpStatus, req); st.Revision != before+1 || st.Status != "failed" {
		t.Fatalf("after the interrupt: revision %d %q, want %d failed", st.Revision, st.Status, before+1)
	}
	if resp := mustOp(t, helm.OpUpgrade, req); resp.Revision != before+2 || resp.Status != "deployed" {
		t.Fatalf("upgrade after the interrupt answered revision %d %q, want %d deployed", resp.Revision, resp.Status, before+2)
	}
}
