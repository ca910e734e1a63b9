package kube_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
)

// TestPortForward: a GET reaches the pod's httpd through a port-forward
// stream, over the WebSocket tunnel and over the plain SPDY upgrade (the
// fallback for servers and proxies without the WebSocket tunnel).
func TestPortForward(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	kubetest.Apply(t, c, ns, kubetest.WebDeployment("web"))
	pod := kubetest.WaitPod(t, c, kube.Selector{Namespace: ns, ImageSelector: kubetest.Busybox()})
	forwardOnce(t, c, pod, true)
	forwardOnce(t, c, pod, false)
}

func forwardOnce(t *testing.T, c *kube.Client, pod kube.Pod, spdyOnly bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	pf, err := kube.DialPortForwardVia(ctx, c, pod, spdyOnly)
	if err != nil {
		t.Fatalf("spdyOnly=%v: %v", spdyOnly, err)
	}
	defer pf.Close()
	local, remote := net.Pipe()
	defer local.Close()
	done := make(chan error, 1)
	go func() { done <- pf.Forward(ctx, remote, 8080) }()
	fmt.Fprintf(local, "GET /index.html HTTP/1.0\r\n\r\n")
	resp, err := io.ReadAll(local) // httpd closes after an HTTP/1.0 answer
	t.Logf("spdyOnly=%v: response after %s", spdyOnly, time.Since(start).Round(time.Millisecond))
	if ferr := <-done; ferr != nil {
		t.Errorf("spdyOnly=%v: Forward: %v", spdyOnly, ferr)
	}
	if err != nil || !strings.Contains(string(resp), "hello from "+pod.Name) {
		t.Fatalf("spdyOnly=%v: %q, %v", spdyOnly, resp, err)
	}
}
