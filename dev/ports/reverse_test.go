package ports

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/dev/agent/agenttest"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
)

// TestReverseForward: a server on this machine answers requests made in
// the container to its localhost:9000, one connection after another and
// several at once.
func TestReverseForward(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "from the laptop: %s\n", r.URL.Path)
	}))
	defer srv.Close()
	local := srv.Listener.Addr().(*net.TCPAddr).Port
	ctx, cancel := context.WithCancel(context.Background())
	var log kube.LockedBuffer
	started := make(chan error, 1)
	done := make(chan error, 1)
	next := func(context.Context) (kube.Pod, error) { return pod, nil }
	go func() {
		done <- ReverseForward(ctx, c, next, []PortMapping{{Local: local, Remote: 9000, BindAddress: "127.0.0.1"}}, agenttest.Agent(t), &log, started)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ReverseForward: %v", err)
		}
		t.Logf("log:\n%s", log.String())
	}()
	select {
	case err := <-started:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("not listening after 60 s:\n%s", log.String())
	}
	for i := range 3 {
		got := kubetest.Sh(t, c, pod, fmt.Sprintf("wget -qO- http://127.0.0.1:9000/seq%d", i))
		if want := fmt.Sprintf("from the laptop: /seq%d\n", i); got != want {
			t.Errorf("request %d: got %q, want %q", i, got, want)
		}
	}
	got := kubetest.Sh(t, c, pod, "for i in 1 2 3 4; do wget -qO- http://127.0.0.1:9000/par$i > /tmp/par$i & done; wait; cat /tmp/par1 /tmp/par2 /tmp/par3 /tmp/par4")
	for i := 1; i <= 4; i++ {
		if !strings.Contains(got, fmt.Sprintf("/par%d\n", i)) {
			t.Errorf("parallel request %d missing from %q", i, got)
		}
	}
}
