// Package browsertest drives a headless Chromium (Debian's chromium
// package) through chromedp for the tests of `devspace ui`. Only tests
// import it.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/devspace-engine/devspace/testbed"
)

// EnvChromium names the browser to use instead of chromium on PATH.
const EnvChromium = "DEVSPACE_TEST_CHROMIUM"

// EnvArtifacts names a directory the screenshots go to (in a folder per
// test); without it they go to the test's temp directory, logged.
const EnvArtifacts = "DEVSPACE_UI_ARTIFACTS"

// Chromium finds the browser: $DEVSPACE_TEST_CHROMIUM, else chromium on
// PATH. Without one the test is skipped, or fails under CI=true.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(EnvChromium); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testbed.Require(t, "no chromium on PATH: install it with testbed/install.sh (apt-get install chromium) or set "+EnvChromium)
	return ""
}

// Open starts a headless browser for t, closed when t ends, and returns
// its tab's context; timeout bounds everything done in it.
func Open(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium(t)),
		chromedp.NoSandbox, // tests run as root in CI containers
		chromedp.WindowSize(1400, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// ArtifactDir is where t's screenshots go: $DEVSPACE_UI_ARTIFACTS/TEST,
// else a temp directory of t (removed when the test ends).
func ArtifactDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv(EnvArtifacts)
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Screenshot saves the whole page as NAME.png in dir.
func Screenshot(t testing.TB, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// WaitText waits (a minute at most: a loaded machine builds slowly) until the element sel (a CSS selector)
// holds want, and returns its text.
func WaitText(t testing.TB, ctx context.Context, sel, want string) string {
	t.Helper()
	return wait(t, ctx, sel, fmt.Sprintf("t.includes(%q)", want), want)
}

// WaitMatch is WaitText with a JavaScript regular expression.
func WaitMatch(t testing.TB, ctx context.Context, sel, pattern string) string {
	t.Helper()
	return wait(t, ctx, sel, fmt.Sprintf("new RegExp(%q).test(t)", pattern), pattern)
}

func wait(t testing.TB, ctx context.Context, sel, test, want string) string {
	t.Helper()
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%q); const t = e ? e.textContent : ""; return e && %s ? t : ""; })()`, sel, test)
	got, err := chromedp.Run(ctx, chromedp.Poll[string](expr, chromedp.WithPollingTimeout(time.Minute)))
	if err != nil {
		last, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q)?.textContent ?? "(no such element)"`, sel)))
		t.Fatalf("%s never showed %q: %v; it shows %q", sel, want, err, last)
	}
	return got
}

// Show switches the page of `devspace ui` to a view (#pipeline, #builds,
// …).
func Show(t testing.TB, ctx context.Context, view string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("location.hash = %q", "#"+view))); err != nil {
		t.Fatalf("show view %s: %v", view, err)
	}
}
