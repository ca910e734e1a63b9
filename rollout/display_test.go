package rollout

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/kube"
)

func workloads(names ...string) []Workload {
	var ws []Workload
	for _, n := range names {
		ws = append(ws, Workload{Ref: kube.Ref{Kind: "Deployment", Name: n}, Deployment: "app"})
	}
	return ws
}

// TestPlainDisplayPrintsEachChangeOnce: without a terminal, a line per
// change on the deployment's log, repeats left out, then how it ended.
func TestPlainDisplayPrintsEachChangeOnce(t *testing.T) {
	var out bytes.Buffer
	d := newDisplay(workloads("web"), Options{Log: func(string) io.Writer { return &out }})
	d.set(0, "0/2 ready")
	d.set(0, "0/2 ready")
	d.set(0, "1/2 ready")
	d.done([]Result{{Ready: true, Waited: 1500 * time.Millisecond}})
	want := "web 0/2 ready\nweb 1/2 ready\nweb ready after 1.5s\n"
	if out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

// TestLiveDisplayRedrawsItsBlock: on a terminal, each change moves the
// cursor up over the lines drawn before and draws them again.
func TestLiveDisplayRedrawsItsBlock(t *testing.T) {
	var live bytes.Buffer
	d := newDisplay(workloads("web", "db"), Options{Live: &live})
	d.set(0, "0/1 ready")
	d.set(1, "0/1 ready")
	d.set(0, "1/1 ready")
	got := live.String()
	if n := strings.Count(got, "\x1b[1A"); n != 1 {
		t.Errorf("want one move up over one line, got %d in %q", n, got)
	}
	if n := strings.Count(got, "\x1b[2A"); n != 1 {
		t.Errorf("want one move up over two lines, got %d in %q", n, got)
	}
	last := got[strings.LastIndex(got, "\x1b[2A"):]
	if !strings.Contains(last, "app: web 1/1 ready\n") || !strings.Contains(last, "app: db 0/1 ready\n") {
		t.Errorf("last redraw %q lacks the current lines", last)
	}
}
