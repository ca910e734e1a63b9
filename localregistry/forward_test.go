package localregistry

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func listenerPort(t *testing.T, ln net.Listener) int {
	t.Helper()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestReachUsesAnAnsweringNodePort: when a registry already answers at
// the node port on this machine (kube-proxy on a local node), no
// port-forward is opened.
func TestReachUsesAnAnsweringNodePort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	r := &Registry{NodePort: listenerPort(t, srv.Listener)}
	if err := r.reach(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Forwarded || len(r.lns) != 0 {
		t.Errorf("forwarded %v with %d listeners; the node port answered", r.Forwarded, len(r.lns))
	}
}

// TestReachRefusesATakenPort: something that is not a registry holds
// the node port: the port-forward cannot listen there, and says so.
func TestReachRefusesATakenPort(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	r := &Registry{NodePort: listenerPort(t, srv.Listener)}
	err := r.reach(context.Background())
	r.Close()
	if err == nil || !strings.Contains(err.Error(), "its node port") || !strings.Contains(err.Error(), "stop what uses the port") {
		t.Errorf("err = %v", err)
	}
}
