package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/devspace-engine/devspace/testbed"
	"github.com/devspace-engine/devspace/ui/browsertest"
)

// TestUIShowsARealRun runs `devspace deploy --show-ui` on the test bed
// and reads its page in headless Chromium: the build graph (base, and app
// FROM it) with each build's reason and log, the deployment that cannot
// pull its image with the reason it is not ready, the failed pipeline and
// its error at its line of devspace.yaml, the bytes of context base's
// build sent, and the rebuild button, after which the page shows base's
// second build and its reason. Screenshots of each view go to
// $DEVSPACE_UI_ARTIFACTS (else the test's temp directory).
func TestUIShowsARealRun(t *testing.T) {
	denv := testbed.Docker(t)
	kenv := testbed.Kube(t)
	busybox := denv.Busybox(t)
	browser := browsertest.Open(t, 5*time.Minute)
	shots := browsertest.ArtifactDir(t)
	dyn := dynamicClient(t, kenv.Kubeconfig)
	ns := fmt.Sprintf("e2e-ui-%08x", rand.Uint32())
	t.Cleanup(func() { deleteNamespace(dyn, ns) })
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{
		"devspace.yaml":   uiConfig,
		"base/Dockerfile": "ARG BASE\nFROM ${BASE}\nCOPY big /big\nRUN echo ui-e2e-base-says-hello\n",
		"base/big":        strings.Repeat("devspace", 1<<17), // 1 MiB of context to send
		"app/Dockerfile":  "ARG REGISTRY\nARG UNIQUE\nFROM ${REGISTRY}/e2e/ui-base-${UNIQUE}\nLABEL app=yes\n",
		"broken.yaml":     brokenDeployment,
	})

	cmd := exec.Command(filepath.Join(binDir, "devspace"), "deploy", "--show-ui", "-n", ns, "--kubeconfig", kenv.Kubeconfig)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), denv.Environ()...), "REGISTRY="+denv.Registry, "BUSYBOX="+busybox,
		fmt.Sprintf("UNIQUE=%016x", rand.Uint64()), "TMPDIR="+t.TempDir())
	output := &testbed.SyncBuffer{}
	cmd.Stdout = output
	// stdin stays open, so the page stays up after the run until Ctrl-C.
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdinR.Close()
	t.Cleanup(func() { stdinW.Close() })
	cmd.Stdin = stdinR
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt) // the page stays up until Ctrl-C
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("devspace deploy --show-ui said:\n%s", output.String())
		}
	})
	url := pageURL(t, stderr, output)

	if err := chromedp.Do(browser, chromedp.Navigate(url+"#builds")); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitText(t, browser, `.card[data-image="base"] .reason`, "rebuild base: no previous build")
	browsertest.WaitMatch(t, browser, `.card[data-image="app"] .reason`, `^rebuild app: `)
	browsertest.WaitMatch(t, browser, `.card[data-image="app"] .duration`, `[0-9.]+ m?s`)
	// base's build sent its context: the 1 MiB file and a little more.
	browsertest.WaitMatch(t, browser, `.card[data-image="base"] .sent`, `^sent 1\.[0-9] MiB$`)
	edges, err := chromedp.Run(browser, chromedp.Poll[int](`document.querySelectorAll('path.edge[data-from="base"][data-to="app"]').length`))
	if err != nil || edges != 1 {
		t.Errorf("the FROM edge base → app is drawn %d times (%v), want once", edges, err)
	}
	if err := chromedp.Do(browser, chromedp.Click(chromedp.CSS(`.card[data-image="base"] button.show-log`))); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitText(t, browser, `#log`, "ui-e2e-base-says-hello")
	browsertest.Screenshot(t, browser, shots, "builds")

	browsertest.Show(t, browser, "deployments")
	browsertest.WaitMatch(t, browser, `tr[data-deployment="broken"] .reason`, `Deployment/broken: (ErrImagePull|ImagePullBackOff) \(pod broken-`)
	browsertest.WaitText(t, browser, `tr[data-deployment="broken"]`, "not ready")
	browsertest.Screenshot(t, browser, shots, "deployments")
	if err := chromedp.Do(browser, chromedp.Click(chromedp.CSS(`tr[data-deployment="broken"] button.redeploy`))); err != nil {
		t.Fatal(err)
	}
	// create_deployments --force-redeploy applies it again, in the terminal.
	waitOutput(t, browser, output, `(?s)deploy:broken Deployed broken .*deploy:broken Deployed broken `)
	browsertest.WaitText(t, browser, `tr[data-deployment="broken"]`, "not ready")

	browsertest.Show(t, browser, "pipeline")
	browsertest.WaitMatch(t, browser, `#pipeline li.job`, `^deploy failed [0-9.]+ m?s`)
	browsertest.Screenshot(t, browser, shots, "pipeline")
	browsertest.Show(t, browser, "errors")
	// create_deployments' failure, at its line of devspace.yaml.
	browsertest.WaitMatch(t, browser, `#errors .problem .pos`, `^devspace\.yaml:21:5$`)
	browsertest.WaitText(t, browser, `#errors .problem`, "deployment broken: Deployment/broken is not ready")
	browsertest.Screenshot(t, browser, shots, "errors")

	browsertest.Show(t, browser, "builds")
	if err := chromedp.Do(browser, chromedp.Click(chromedp.CSS(`.card[data-image="base"] button.rebuild`))); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitText(t, browser, `.card[data-image="base"] .reason`, "rebuild base: forced")
	browsertest.WaitText(t, browser, `.card[data-image="base"]`, "built")
	browsertest.WaitText(t, browser, `#log`, "ui-e2e-base-says-hello")
	browsertest.Screenshot(t, browser, shots, "rebuilt")
	// The action's output is the terminal's, as a pipeline's build is.
	waitOutput(t, browser, output, `(?m)^build:base rebuild base: forced$`)
}

// waitOutput waits until devspace's output matches pattern.
func waitOutput(t *testing.T, ctx context.Context, output *testbed.SyncBuffer, pattern string) {
	t.Helper()
	for re := regexp.MustCompile(pattern); !re.MatchString(output.String()); {
		if time.Sleep(100 * time.Millisecond); ctx.Err() != nil {
			t.Fatalf("devspace never printed %s:\n%s", pattern, output.String())
		}
	}
}

// devspace ui alone serves the project's page: its images and deployments,
// none run yet, and the build graph's FROM edge (app is FROM base), read
// from the Dockerfiles before any build; no page without the token;
// Ctrl-C ends it. An argument is refused.
func TestUICommandServesTheProject(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{"devspace.yaml": "version: v2beta1\nname: served\nimages:\n  app:\n    image: example.com/app\n" +
		"    dockerfile: app.Dockerfile\n  base:\n    image: example.com/base\n    dockerfile: base.Dockerfile\n" +
		"deployments:\n  web:\n    kubectl:\n      manifests: [web.yaml]\n",
		"app.Dockerfile": "FROM example.com/base\nLABEL app=yes\n", "base.Dockerfile": "FROM scratch\n"})
	out, err := exec.Command(filepath.Join(binDir, "devspace"), "ui", "extra").CombinedOutput()
	if !strings.Contains(string(out), `ui: unexpected argument "extra"`) || err == nil {
		t.Errorf("devspace ui extra: %v\n%s\nwant it refused", err, out)
	}
	cmd := exec.Command(filepath.Join(binDir, "devspace"), "ui")
	cmd.Dir = dir
	output := &testbed.SyncBuffer{}
	cmd.Stdout = output
	// stdin stays open, so the page stays up after the run until Ctrl-C.
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdinR.Close()
	t.Cleanup(func() { stdinW.Close() })
	cmd.Stdin = stdinR
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	url := pageURL(t, stderr, output)
	base, _, _ := strings.Cut(url, "?")

	res, err := http.Get(base + "api/state")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("GET /api/state without the token: %s, want 403", res.Status)
	}
	res, err = http.Get(base + "api/state?" + strings.SplitN(url, "?", 2)[1])
	if err != nil {
		t.Fatal(err)
	}
	type image struct {
		Name, State string
		Bases       []string
	}
	var state struct {
		Project     struct{ Name string }
		Images      []image
		Deployments []struct{ Name, State string }
	}
	err = json.NewDecoder(res.Body).Decode(&state)
	res.Body.Close()
	if err != nil || state.Project.Name != "served" || len(state.Deployments) != 1 || state.Deployments[0].Name != "web" ||
		!slices.EqualFunc(state.Images, []image{{"app", "pending", []string{"base"}}, {"base", "pending", []string{}}}, func(a, b image) bool {
			return a.Name == b.Name && a.State == b.State && slices.Equal(a.Bases, b.Bases)
		}) {
		t.Errorf("state = %+v (%v), want project served with images app (FROM base) and base and deployment web, pending", state, err)
	}
	// The page draws the edge, nothing built.
	browser := browsertest.Open(t, 2*time.Minute)
	if err := chromedp.Do(browser, chromedp.Navigate(url+"#builds")); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitText(t, browser, `.card[data-image="app"]`, "FROM base")
	edges, err := chromedp.Run(browser, chromedp.Poll[int](`document.querySelectorAll('path.edge[data-from="base"][data-to="app"]').length`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || edges != 1 {
		t.Errorf("before any build, the FROM edge base → app is drawn %d times (%v), want once", edges, err)
	}
	browsertest.WaitText(t, browser, `.card[data-image="app"]`, "pending")
	browsertest.Screenshot(t, browser, browsertest.ArtifactDir(t), "graph-before-build")

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("devspace ui did not end on Ctrl-C:\n%s", output.String())
	}
}

// pageURL reads the URL devspace prints on stderr, and copies the rest of
// stderr to out.
func pageURL(t *testing.T, stderr io.Reader, out io.Writer) string {
	t.Helper()
	found := make(chan string, 1)
	go func() { // ends with the process's stderr
		scan := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`^devspace ui: (http://127\.0\.0\.1:\d+/\?t=[0-9a-f]+)$`)
		for scan.Scan() {
			fmt.Fprintln(out, scan.Text())
			if m := re.FindStringSubmatch(scan.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	select {
	case url, ok := <-found:
		if !ok {
			t.Fatal("devspace ended without printing the page's URL")
		}
		return url
	case <-time.After(time.Minute):
		t.Fatal("devspace printed no URL in a minute")
	}
	return ""
}

const uiConfig = `version: v2beta1
name: ui-e2e
images:
  base:
    image: ${REGISTRY}/e2e/ui-base-${UNIQUE}
    context: base
    dockerfile: base/Dockerfile
    buildArgs: {BASE: "${BUSYBOX}"}
  app:
    image: ${REGISTRY}/e2e/ui-app-${UNIQUE}
    context: app
    dockerfile: app/Dockerfile
    buildArgs: {REGISTRY: "${REGISTRY}", UNIQUE: "${UNIQUE}"}
deployments:
  broken:
    kubectl:
      manifests: [broken.yaml]
pipelines:
  deploy: |-
    build_images --all
    create_deployments --all --timeout 2m
`

// brokenDeployment can never pull its image: nothing listens on port 1.
const brokenDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
  replicas: 1
  selector:
    matchLabels: {app: broken}
  template:
    metadata:
      labels: {app: broken}
    spec:
      containers:
        - name: broken
          image: 127.0.0.1:1/nowhere/ui-missing:1
`

// TestShowUIEndsWithStdin runs a pipeline with --show-ui and nothing on
// stdin, as CI does: the page is served, and devspace exits once the run
// is over instead of waiting for a Ctrl-C that never comes.
func TestShowUIEndsWithStdin(t *testing.T) {
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{"devspace.yaml": "version: v2beta1\nname: showui\npipelines:\n  hi: echo hi\n"})
	cmd := exec.Command(filepath.Join(binDir, "devspace"), "run-pipeline", "hi", "--show-ui")
	cmd.Dir = dir
	var out testbed.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil || !strings.Contains(out.String(), "devspace ui: http://127.0.0.1:") || !strings.Contains(out.String(), "hi\n") {
			t.Errorf("run-pipeline --show-ui: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("run-pipeline --show-ui with no stdin did not exit after the run:\n%s", out.String())
	}
}

// TestUIRebuildWaitsForTheRunningBuild clicks Rebuild (the page's POST)
// while the pipeline of a --show-ui run builds the same image: the
// rebuild says in the terminal that it waits, and starts only once the
// pipeline's build has ended — never two builds of one image at once.
func TestUIRebuildWaitsForTheRunningBuild(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{
		"devspace.yaml": "version: v2beta1\nname: overlap\nimages:\n  app:\n    image: example.com/overlap-app\n" +
			"    custom:\n      command: sh build.sh\npipelines:\n  build: build_images app\n",
		// Each build marks its start and end; it ends once the test
		// creates the file release.
		"build.sh": "echo start >> builds.txt\nwhile [ ! -e release ]; do sleep 0.05; done\necho end >> builds.txt\n",
	})
	cmd := exec.Command(filepath.Join(binDir, "devspace"), "run-pipeline", "build", "--show-ui")
	cmd.Dir = dir
	output := &testbed.SyncBuffer{}
	cmd.Stdout = output
	stdinR, stdinW, err := os.Pipe() // open stdin: the page stays up after the run
	if err != nil {
		t.Fatal(err)
	}
	defer stdinR.Close()
	t.Cleanup(func() { stdinW.Close() })
	cmd.Stdin = stdinR
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("devspace run-pipeline build --show-ui said:\n%s", output.String())
		}
	})
	url := pageURL(t, stderr, output)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	builds := func() string {
		b, _ := os.ReadFile(filepath.Join(dir, "builds.txt"))
		return string(b)
	}
	for builds() != "start\n" {
		if time.Sleep(50 * time.Millisecond); ctx.Err() != nil {
			t.Fatalf("the pipeline's build never started: builds.txt %q", builds())
		}
	}
	base, query, _ := strings.Cut(url, "?")
	res, err := http.Post(base+"api/rebuild?image=app&"+query, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("POST api/rebuild: %s", res.Status)
	}
	for !strings.Contains(output.String(), "build:app waiting: another build_images call of this process is building image app") {
		if builds() != "start\n" {
			t.Fatalf("the rebuild did not wait for the running build: builds.txt %q", builds())
		}
		if time.Sleep(50 * time.Millisecond); ctx.Err() != nil {
			t.Fatal("the rebuild never said it waits")
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, ctx, output, `(?m)^build:app rebuild app: forced`)
	for builds() != "start\nend\nstart\nend\n" {
		if time.Sleep(50 * time.Millisecond); ctx.Err() != nil {
			t.Fatalf("builds.txt %q, want the pipeline's build, then the rebuild", builds())
		}
	}
}
