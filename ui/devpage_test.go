package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/devspace-engine/devspace/ui/browsertest"
)

// The dev view shows a session's container log live, filtered by the
// search box; each sync's last upload and download and its conflicts;
// its restart button restarts through Options.Restart, its open button
// opens the URL Options.Open gives in a new tab.
func TestPageDevSession(t *testing.T) {
	t.Parallel()
	ctx := browsertest.Open(t, 2*time.Minute)
	shots := browsertest.ArtifactDir(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("the app")) }))
	t.Cleanup(app.Close)
	restarted, opened := make(chan string, 1), make(chan int, 1)
	var s *Server
	s, url := startServer(t, Project{Name: "shop", Dev: []string{"api"}}, Options{
		Run: func(context.Context, string, string) error { return nil },
		Restart: func(_ context.Context, dev string) error {
			restarted <- dev
			feed(s, "", "log:dev:"+dev, map[string]string{"container": "main", "line": "server listening (again)"})
			return nil
		},
		Open: func(_ context.Context, dev string, port int) (string, error) {
			opened <- port
			return app.URL + "/", nil
		},
	})
	feed(s, "", "start:portForwarding:api", map[string]string{"ports": "18080:8080"})
	feed(s, "", "start:sync:api", map[string]string{"sync_path": "/p/src:/app"})
	feed(s, "", "changes:sync:api", map[string]string{"sync_path": "/p/src:/app", "initial": "true", "up_files": "2000", "up_bytes": "2048", "up_last": "z.txt"})
	feed(s, "", "changes:sync:api", map[string]string{"sync_path": "/p/src:/app", "down_files": "1", "down_bytes": "5", "down_last": "out/report.txt",
		"conflicts": "1", "conflict": "a.txt: kept the local (newer), the other saved as a.txt.devspace-conflict-remote-x"})
	feed(s, "", "start:dev:api", nil)
	for i := range 5 {
		feed(s, "", "log:dev:api", map[string]string{"container": "main", "line": "request " + strconv.Itoa(i)})
	}
	feed(s, "", "log:dev:api", map[string]string{"container": "main", "line": "server listening"})
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"#dev")); err != nil {
		t.Fatal(err)
	}
	card := `.devcard[data-dev="api"]`
	browsertest.WaitText(t, ctx, card+` pre.devlog`, "server listening")
	browsertest.WaitText(t, ctx, card+` tr.sync .last-up`, "2000 files, 2.0 KiB · z.txt")
	browsertest.WaitText(t, ctx, card+` tr.sync .last-up`, "(initial sync)")
	browsertest.WaitText(t, ctx, card+` tr.sync .last-down`, "out/report.txt")
	browsertest.WaitText(t, ctx, card+` tr.sync .conflicts`, "a.txt: kept the local (newer)")
	// A line that comes later is appended.
	feed(s, "", "changes:sync:api", map[string]string{"sync_path": "/p/src:/app", "up_files": "1", "up_bytes": "3", "up_last": "main.go"})
	feed(s, "", "log:dev:api", map[string]string{"container": "main", "line": "request 5"})
	browsertest.WaitText(t, ctx, card+` pre.devlog`, "request 5")
	browsertest.WaitText(t, ctx, card+` tr.sync .last-up`, "1 file, 3 B · main.go")

	if err := chromedp.Do(ctx, chromedp.SendKeys(card+` input.log-search`, "LISTEN")); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitText(t, ctx, card+` .log-count`, "1 of 7 lines")
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('.devcard[data-dev="api"] pre.devlog .line')].filter((e) => !e.hidden).map((e) => e.textContent).join("|")`))
	if err != nil || shown != "server listening" {
		t.Errorf("with the search LISTEN the log shows %q (%v), want only the line server listening", shown, err)
	}
	// New lines are filtered too, and the search stays as the page updates.
	feed(s, "", "log:dev:api", map[string]string{"container": "main", "line": "request 6"})
	feed(s, "", "log:dev:api", map[string]string{"container": "main", "line": "listening on :8080"})
	browsertest.WaitText(t, ctx, card+` .log-count`, "2 of 9 lines")
	browsertest.Screenshot(t, ctx, shots, "dev-search")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(card+` button.restart`))); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-restarted:
		if got != "api" {
			t.Errorf("restart ran for %q, want api", got)
		}
	case <-ctx.Done():
		t.Fatal("the restart button restarted nothing")
	}
	browsertest.WaitText(t, ctx, card+` .log-count`, "3 of 10 lines")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(card+` button.open-port[data-port="18080"]`))); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-opened:
		if got != 18080 {
			t.Errorf("open ran for port %d, want 18080", got)
		}
	case <-ctx.Done():
		t.Fatal("the open button opened nothing")
	}
	waitTab(t, ctx, app.URL+"/")
	browsertest.Screenshot(t, ctx, shots, "dev")

	// A long log keeps the page's lines bounded as the board's are. (The
	// page's tab in front again: a hidden one draws nothing.)
	if _, err := chromedp.Call(ctx, page.BringToFront, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const i = document.querySelector('.devcard[data-dev="api"] input.log-search');
		i.value = ""; i.dispatchEvent(new Event("input", {bubbles: true})); })()`)); err != nil {
		t.Fatal(err)
	}
	for i := range maxDevLogLines + 100 {
		feed(s, "", "log:dev:api", map[string]string{"container": "main", "line": "burst " + strconv.Itoa(i)})
	}
	browsertest.WaitText(t, ctx, card+` pre.devlog`, "burst "+strconv.Itoa(maxDevLogLines+99))
	browsertest.WaitText(t, ctx, card+` .log-count`, strconv.Itoa(maxDevLogLines)+" lines")
}

// waitTab waits until the browser has a tab at url.
func waitTab(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	var urls []string
	for range 100 {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		urls = urls[:0]
		for _, i := range infos {
			if i.Type == "page" {
				urls = append(urls, i.URL)
			}
			if i.URL == url {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no tab opened %s; tabs: %s", url, strings.Join(urls, ", "))
}

// Restart and open are refused for a dev config with no running session,
// an unknown one, and a port the session does not forward; without the
// token, as every request.
func TestDevActionsRefused(t *testing.T) {
	t.Parallel()
	s, url := startServer(t, Project{Name: "p", Dev: []string{"api", "idle"}}, Options{
		Restart: func(context.Context, string) error { return nil },
		Open: func(_ context.Context, _ string, port int) (string, error) {
			if port == 18081 {
				return "", fmt.Errorf("http://localhost:18081/ does not answer")
			}
			return "http://localhost:18080/", nil
		},
	})
	feed(s, "", "start:portForwarding:api", map[string]string{"ports": "18080:8080,18081:8081"})
	feed(s, "", "start:dev:api", nil)
	base, query, _ := strings.Cut(url, "?")
	for _, c := range []struct {
		path string
		want int
	}{
		{"api/restart?dev=api&" + query, http.StatusAccepted},
		{"api/restart?dev=idle&" + query, http.StatusConflict},
		{"api/restart?dev=nope&" + query, http.StatusNotFound},
		{"api/open?dev=api&port=18080&" + query, http.StatusOK},
		{"api/open?dev=api&port=9999&" + query, http.StatusNotFound},
		{"api/open?dev=api&port=18081&" + query, http.StatusGatewayTimeout},
		{"api/restart?dev=api", http.StatusForbidden},
		{"api/open?dev=api&port=18080", http.StatusForbidden},
	} {
		res, err := http.Post(base+c.path, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("POST /%s: %s, want %d", c.path, res.Status, c.want)
		}
	}
	res, err := http.Get(base + "api/restart?dev=api&" + query)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/restart: %s, want 405 (actions are POSTs)", res.Status)
	}
}
