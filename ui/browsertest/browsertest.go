// Package browsertest drives a headless Chromium (Debian's chromium
// package) through chromedp for the tests of `devspace ui`. Only tests
// import it.
package browsertest

import (
	"context"
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
