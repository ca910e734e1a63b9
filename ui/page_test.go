package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/ui/browsertest"
)

// feed sends one event to the server as a core would, from job.
func feed(s *Server, job, name string, data map[string]string) {
	ctx := context.Background()
	if job != "" {
		ctx = engine.WithJobID(ctx, job)
	}
	_ = s.Emit(ctx, name, data)
}

// The page shows what events say, live: the jobs as a tree, the build
// graph with its FROM edge, each image's reason, log and the bytes of
// context its build sent, a deployment's not-ready reason, a dev config's
// ports (links) and syncs, an error's position, a running build's log as
// it grows; its redeploy button runs
// create_deployments, its rebuild button build_images, whose build the
// page then shows.
func TestPageShowsTheRun(t *testing.T) {
	t.Parallel()
	ctx := browsertest.Open(t, 2*time.Minute)
	shots := browsertest.ArtifactDir(t)
	logFile := filepath.Join(t.TempDir(), "base.log")
	if err := os.WriteFile(logFile, []byte("Step 1/2 : FROM busybox\nbuilding base <done>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rebuilt, redeployed := make(chan string, 1), make(chan string, 1)
	var s *Server
	s, url := startServer(t, Project{Name: "shop", Images: []string{"app", "base"}, Deployments: []string{"web"}}, Options{
		Run: func(ctx context.Context, script, image string) error {
			if script == `create_deployments --force-redeploy "$1"` {
				redeployed <- image
				return nil
			}
			if script != `build_images --force-rebuild "$1"` {
				return fmt.Errorf("unexpected action %s", script)
			}
			rebuilt <- image
			feed(s, "", "before:build:"+image, map[string]string{"reason": "rebuild " + image + ": forced (-b)"})
			feed(s, "", "after:build:"+image, map[string]string{"reason": "rebuild " + image + ": forced (-b)", "duration_ms": "1500", "log_file": logFile})
			return nil
		},
	})
	feed(s, "", "start:pipeline:deploy", map[string]string{"job": "1", "project": "shop"})
	feed(s, "1", "start:pipeline:build", map[string]string{"job": "2", "parent": "1", "project": "shop"})
	feed(s, "2", "before:build:base", map[string]string{"bases": "[]", "reason": "rebuild base: no previous build"})
	feed(s, "2", "after:build:base", map[string]string{"bases": "[]", "reason": "rebuild base: no previous build", "duration_ms": "2345", "log_file": logFile,
		"context_bytes": "12897485"})
	feed(s, "2", "before:build:app", map[string]string{"bases": `["base"]`, "reason": "skip app: unchanged (tag abc)"})
	feed(s, "2", "skip:build:app", map[string]string{"bases": `["base"]`, "reason": "skip app: unchanged (tag abc)"})
	feed(s, "", "end:pipeline:build", map[string]string{"job": "2", "duration_ms": "2400"})
	feed(s, "1", "before:deploy:web", map[string]string{"deploy_name": "web"})
	feed(s, "1", "after:deploy:web", map[string]string{"deploy_name": "web"})
	feed(s, "1", "ready:deploy:web", map[string]string{"ready": "false", "reason": "Deployment/web: ImagePullBackOff (pod web-1, container web): image nowhere/x: not found"})
	feed(s, "", "end:pipeline:deploy", map[string]string{"job": "1", "duration_ms": "9000", "error": "/p/devspace.yaml:12:5: create_deployments: deployment web is not ready"})

	feed(s, "", "start:portForwarding:api", map[string]string{"dev_config": "api", "ports": "18080:8080,9229:9229"})
	feed(s, "", "start:sync:api", map[string]string{"dev_config": "api", "sync_path": "./src:/app"})
	feed(s, "", "after:initialSync:api", map[string]string{"dev_config": "api"})
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitText(t, ctx, `#pipeline li[data-job="1"]`, "deploy")
	browsertest.WaitText(t, ctx, `#pipeline li[data-job="1"] li[data-job="2"]`, "build base built")
	browsertest.Screenshot(t, ctx, shots, "pipeline")

	browsertest.Show(t, ctx, "builds")
	browsertest.WaitText(t, ctx, `.card[data-image="base"] .reason`, "rebuild base: no previous build")
	browsertest.WaitText(t, ctx, `.card[data-image="base"] .duration`, "2.3 s")
	browsertest.WaitText(t, ctx, `.card[data-image="base"] .sent`, "sent 12.3 MiB")
	browsertest.WaitText(t, ctx, `.card[data-image="app"] .reason`, "skip app: unchanged (tag abc)")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.card[data-image="app"] .sent').length`)); err != nil || n != 0 {
		t.Errorf("the skipped image app shows bytes sent (%d, %v), want none", n, err)
	}
	edges, err := chromedp.Run(ctx, chromedp.Poll[int](`document.querySelectorAll('#graph path.edge[data-from="base"][data-to="app"]').length`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || edges != 1 {
		t.Errorf("FROM edge base → app drawn %d times (%v), want once", edges, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.card[data-image="base"] button.show-log`))); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitText(t, ctx, `#log`, "building base <done>")
	browsertest.Screenshot(t, ctx, shots, "builds")

	browsertest.Show(t, ctx, "deployments")
	browsertest.WaitText(t, ctx, `tr[data-deployment="web"] .reason`, "ImagePullBackOff (pod web-1, container web)")
	browsertest.WaitText(t, ctx, `tr[data-deployment="web"]`, "not ready")
	browsertest.Screenshot(t, ctx, shots, "deployments")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`tr[data-deployment="web"] button.redeploy`))); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-redeployed:
		if got != "web" {
			t.Errorf("redeploy ran for %q, want web", got)
		}
	case <-ctx.Done():
		t.Fatal("the redeploy button ran no create_deployments")
	}

	browsertest.Show(t, ctx, "dev")
	browsertest.WaitText(t, ctx, `.devcard[data-dev="api"] .syncs`, "./src:/app")
	browsertest.WaitText(t, ctx, `tr[data-dev="api"]`, "initialSync: after")
	link, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('tr[data-dev="api"] a.port').href`))
	if err != nil || link != "http://localhost:18080/" {
		t.Errorf("the first port links to %q (%v), want http://localhost:18080/", link, err)
	}
	browsertest.Screenshot(t, ctx, shots, "dev")

	browsertest.Show(t, ctx, "errors")
	browsertest.WaitText(t, ctx, `#errors .problem .pos`, "/p/devspace.yaml:12:5")
	browsertest.Screenshot(t, ctx, shots, "errors")

	// A running build's log, followed as it grows.
	browsertest.Show(t, ctx, "builds")
	feed(s, "2", "before:build:worker", map[string]string{"bases": "[]", "reason": "rebuild worker: context changed (1 file)"})
	feed(s, "", "log:build:worker", map[string]string{"line": "rebuild worker: context changed (1 file)"})
	feed(s, "", "log:build:worker", map[string]string{"line": "step 1 of worker"})
	browsertest.WaitText(t, ctx, `.card[data-image="worker"]`, "building")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.card[data-image="worker"] button.show-log`))); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitText(t, ctx, `#log`, "step 1 of worker")
	feed(s, "", "log:build:worker", map[string]string{"line": "step 2 of worker"})
	browsertest.WaitText(t, ctx, `#log`, "step 2 of worker")
	browsertest.Screenshot(t, ctx, shots, "building")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.card[data-image="base"] button.rebuild`))); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-rebuilt:
		if got != "base" {
			t.Errorf("rebuild ran for %q, want base", got)
		}
	case <-ctx.Done():
		t.Fatal("the rebuild button ran no rebuild")
	}
	browsertest.WaitText(t, ctx, `.card[data-image="base"] .reason`, "rebuild base: forced (-b)")
	browsertest.Screenshot(t, ctx, shots, "rebuilt")
	if strings.Contains(url, "?t=") {
		t.Logf("screenshots in %s", shots)
	}
}

// BenchmarkFirstRender measures, in the browser (Performance API), how
// long the page takes from navigation to its first render of a run with
// 50 images (a chain of FROM edges every fifth) and 50 deployments.
func BenchmarkFirstRender(b *testing.B) {
	ctx := browsertest.Open(b, 5*time.Minute)
	names := func(prefix string) []string {
		var out []string
		for i := range 50 {
			out = append(out, fmt.Sprintf("%s-%02d", prefix, i))
		}
		return out
	}
	s, url := startServer(b, Project{Name: "big", Images: names("image"), Deployments: names("deploy")}, Options{Run: func(context.Context, string, string) error { return nil }})
	feed(s, "", "start:pipeline:deploy", map[string]string{"job": "1"})
	for i, n := range names("image") {
		bases := "[]"
		if i%5 != 0 {
			bases = fmt.Sprintf(`["image-%02d"]`, i-1)
		}
		feed(s, "1", "before:build:"+n, map[string]string{"bases": bases, "reason": "rebuild " + n + ": context changed (3 files)"})
		feed(s, "1", "after:build:"+n, map[string]string{"bases": bases, "duration_ms": "1234", "context_bytes": "12897485"})
	}
	for _, n := range names("deploy") {
		feed(s, "1", "after:deploy:"+n, nil)
		feed(s, "1", "ready:deploy:"+n, map[string]string{"ready": "false", "reason": "Deployment/" + n + ": CrashLoopBackOff (pod x, container y)"})
	}
	// One load first, untimed: the browser's own first navigation (its
	// network service, the JavaScript engine) is not the page's cost.
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS(`body[data-version]`))); err != nil {
		b.Fatal(err)
	}
	var total float64
	for b.Loop() {
		// From a blank page each time: a navigation that changes only the
		// #fragment would not load the page again.
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(url+"#builds")); err != nil {
			b.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(`body[data-version]`))); err != nil {
			b.Fatal(err)
		}
		ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`performance.getEntriesByName("devspace-first-render")[0].startTime`))
		if err != nil {
			b.Fatal(err)
		}
		total += ms
	}
	b.ReportMetric(total/float64(b.N), "ms/first-render")
}
