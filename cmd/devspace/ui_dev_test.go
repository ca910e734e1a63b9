package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/devspace-engine/devspace/kube/kubetest"
	"github.com/devspace-engine/devspace/testbed"
	"github.com/devspace-engine/devspace/ui/browsertest"
)

// TestUIShowsADevSession runs a dev session with --show-ui on the test
// bed and reads its page in headless Chromium: the container's log
// (dev.*.logs is off: the page streams it anyway) with the search box
// filtering it; a file changed locally as the sync's last upload; the
// restart button running the process again through the restart helper
// (a second start line in the log, `devspace restart`'s message in the
// terminal); the open button opening the forwarded port in a new tab.
func TestUIShowsADevSession(t *testing.T) {
	_, ns := kubetest.Cluster(t)
	kubeconfig := testbed.Kube(t).Kubeconfig
	browser := browsertest.Open(t, 5*time.Minute)
	shots := browsertest.ArtifactDir(t)
	port := freePort(t)
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{
		"devspace.yaml": sleeperDevProject("uidev", fmt.Sprintf(`    command: [sh, -c, "echo ui-dev-process-started; exec httpd -f -p 8080 -h /app"]
    ports:
      - port: "%d:8080"
    sync:
      - path: ./src:/app
        startContainer: true
`, port)),
		"src/index.html": "hello from the dev container\n",
	})
	cmd := exec.Command(filepath.Join(binDir, "devspace"), "run-pipeline", "devp", "--show-ui", "-n", ns, "--kubeconfig", kubeconfig)
	cmd.Dir = dir
	output := &testbed.SyncBuffer{}
	cmd.Stdout = output
	stdinR, stdinW, err := os.Pipe() // stdin stays open: the page stays up
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
			t.Logf("devspace run-pipeline devp --show-ui said:\n%s", output.String())
		}
	})
	url := pageURL(t, stderr, output)
	if err := chromedp.Do(browser, chromedp.Navigate(url+"#dev")); err != nil {
		t.Fatal(err)
	}
	card := `.devcard[data-dev="app"]`
	browsertest.WaitText(t, browser, card+` pre.devlog`, "ui-dev-process-started")
	// The helper's own line is there too, until the search hides it.
	browsertest.WaitText(t, browser, card+` pre.devlog`, "waiting for the initial sync")
	if err := chromedp.Do(browser, chromedp.SendKeys(card+` input.log-search`, "process-started")); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitMatch(t, browser, card+` .log-count`, `^1 of [2-9][0-9]* lines$`)
	browsertest.Screenshot(t, browser, shots, "dev-log")

	testbed.WriteTree(t, dir, map[string]string{"src/changed-here.txt": "a local change\n"})
	browsertest.WaitMatch(t, browser, card+` tr.sync .last-up`, `1 file, 15 B · changed-here\.txt$`)
	browsertest.Screenshot(t, browser, shots, "dev-sync")

	if err := chromedp.Do(browser, chromedp.Click(chromedp.CSS(card+` button.restart`))); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, browser, output, `(?m)^dev:app Restarted the process in `)
	browsertest.WaitMatch(t, browser, card+` .log-count`, `^2 of [3-9][0-9]* lines$`)
	browsertest.Screenshot(t, browser, shots, "dev-restarted")

	if err := chromedp.Do(browser, chromedp.Click(chromedp.CSS(fmt.Sprintf(`%s button.open-port[data-port="%d"]`, card, port)))); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("http://localhost:%d/", port)
	waitOutput(t, browser, output, `(?m)^dev:app Open `+want+`$`)
	for deadline := time.Now().Add(30 * time.Second); ; {
		var urls []string
		infos, err := chromedp.Targets(browser)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range infos {
			urls = append(urls, i.URL)
		}
		if strings.Contains(strings.Join(urls, " "), want) {
			browsertest.Screenshot(t, browser, shots, "dev-opened")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the open button opened no tab at %s; tabs: %v", want, urls)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
