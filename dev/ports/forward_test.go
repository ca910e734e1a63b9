package ports

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
)

func TestParsePort(t *testing.T) {
	cases := []struct {
		port, bind string
		want       PortMapping
		err        string
	}{
		{"8080", "", PortMapping{8080, 8080, "127.0.0.1"}, ""},
		{"8080:80", "", PortMapping{8080, 80, "127.0.0.1"}, ""},
		{" 3000:3001 ", "0.0.0.0", PortMapping{3000, 3001, "0.0.0.0"}, ""},
		{"9000", "::1", PortMapping{9000, 9000, "::1"}, ""},
		{"80:", "", PortMapping{}, `port "80:"`},
		{"http", "", PortMapping{}, `"http" is not a port number`},
		{"70000", "", PortMapping{}, `"70000" is not a port number`},
		{"1:2:3", "", PortMapping{}, `"2:3" is not a port number`},
		{"8080", "my host", PortMapping{}, `bindAddress "my host"`},
	}
	for _, tc := range cases {
		got, err := ParsePort(tc.port, tc.bind)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParsePort(%q, %q): %v, want an error with %q", tc.port, tc.bind, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParsePort(%q, %q) = %+v, %v; want %+v", tc.port, tc.bind, got, err, tc.want)
		}
	}
}

// freePort is a local port nobody listens on (a moment ago).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// get fetches the index page through the forwarded port, on a new
// connection each time (so each goes to the pod current then).
func get(port int) (string, error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/index.html", port))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", resp.Status, b)
	}
	return strings.TrimSpace(string(b)), err
}

// getUntil retries get until the page names the pod or the time is up.
func getUntil(t *testing.T, port int, pod string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var body string
	var err error
	for time.Since(start) < limit {
		if body, err = get(port); err == nil && body == "hello from "+pod {
			return time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("GET through port %d did not reach pod %s within %s: %q, %v", port, pod, limit, body, err)
	return 0
}

// startForward runs f in the background and waits for its listeners.
func startForward(t *testing.T, ctx context.Context, f *forwarder) <-chan error {
	t.Helper()
	ready := make(chan error, 1)
	done := make(chan error, 1)
	go func() { done <- f.run(ctx, ready) }()
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	return done
}

// TestForwardFollowsThePod: a GET through the local port reaches the pod;
// a busy port is named; when the pod is deleted the Deployment's next pod
// serves the same local port; cancelling closes the port and ends every
// goroutine.
func TestForwardFollowsThePod(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	kubetest.Apply(t, c, ns, kubetest.WebDeployment("web"))
	sel := kube.Selector{Namespace: ns, LabelSelector: map[string]string{"app": "web"}}
	first := kubetest.WaitPod(t, c, sel)
	next := func(ctx context.Context) (kube.Pod, error) { return kube.WaitPod(ctx, c, sel) }
	port := freePort(t)
	ports := []PortMapping{{Local: port, Remote: 8080}}

	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var log kube.LockedBuffer
	start := time.Now()
	f, err := newForwarder(c, next, ports, &log)
	if err != nil {
		t.Fatal(err)
	}
	done := startForward(t, ctx, f)
	t.Logf("listening after %s", time.Since(start).Round(time.Millisecond))
	body, err := get(port)
	if err != nil || body != "hello from "+first.Name {
		t.Fatalf("first GET: %q, %v\nlog:\n%s", body, err, log.String())
	}
	t.Logf("first response after %s", time.Since(start).Round(time.Millisecond))

	err = Forward(context.Background(), c, next, ports, nil, nil)
	if want := fmt.Sprintf("local port %d is busy", port); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("a second Forward on port %d: %v, want %q", port, err, want)
	}

	deleted := time.Now()
	kubetest.DeletePod(t, c, first)
	second := kubetest.WaitPod(t, c, sel)
	if second.UID == first.UID {
		t.Fatalf("WaitPod returned the deleted pod %s", first.Name)
	}
	took := getUntil(t, port, second.Name, 30*time.Second)
	t.Logf("new pod %s served %s after the delete (%s after it was ready)", second.Name, time.Since(deleted).Round(time.Millisecond), took.Round(time.Millisecond))

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Forward: %v", err)
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("port %d still taken after Forward returned: %v", port, err)
	}
	l.Close()
	kubetest.NoGoroutinesLeft(t, before)
	t.Logf("log:\n%s", log.String())
}
