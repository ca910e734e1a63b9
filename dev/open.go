package dev

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"time"
)

// OpenConfig is one dev.*.open entry: a URL shown once it answers.
type OpenConfig struct {
	URL string
}

// openPoll is how often a URL is tried until it answers.
const openPoll = 500 * time.Millisecond

// OpenWhenReady waits until url answers an HTTP GET with any status
// below 500 (the app is up behind the port forward), says so on log, and
// opens it in a browser when browser is true. It gives up quietly when
// ctx ends.
func OpenWhenReady(ctx context.Context, o OpenConfig, log io.Writer, browser bool) {
	if _, err := http.NewRequest(http.MethodGet, o.URL, nil); err != nil {
		fmt.Fprintf(log, "open %s: %v\n", o.URL, err)
		return
	}
	if waitAnswer(ctx, o.URL) {
		announce(ctx, o.URL, log, browser)
	}
}

// waitAnswer waits until url answers an HTTP GET with a status below 500,
// and reports whether it did before ctx ended.
func waitAnswer(ctx context.Context, url string) bool {
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(openPoll)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return true
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
}

func announce(ctx context.Context, url string, log io.Writer, browser bool) {
	fmt.Fprintf(log, "Open %s\n", url)
	if !browser {
		return
	}
	name := "xdg-open"
	if runtime.GOOS == "darwin" {
		name = "open"
	}
	cmd := exec.CommandContext(ctx, name, url)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(log, "could not start a browser (%s): %v\n", name, err)
		return
	}
	go func() { _ = cmd.Wait() }() // reaped; the browser outlives nothing of ours
}

// Desktop reports whether a browser can be opened: macOS, or a graphical
// session on Linux (DISPLAY or WAYLAND_DISPLAY). CI machines and SSH
// sessions get the URL printed only.
func Desktop(getenv func(string) string) bool {
	if getenv == nil {
		getenv = os.Getenv
	}
	if runtime.GOOS == "darwin" {
		return true
	}
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}
