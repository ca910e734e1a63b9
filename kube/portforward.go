package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
	"k8s.io/streaming/pkg/httpstream"
)

// PortForward is one port-forward connection to a pod; each forwarded
// local connection is a pair of streams on it.
type PortForward struct {
	Pod  Pod
	conn httpstream.Connection
	ids  atomic.Int64
}

// DialPortForward opens a port-forward connection to pod: SPDY tunnelled
// through a WebSocket, as kubectl does (servers since 1.30), falling back
// to a plain SPDY upgrade when the server or a proxy refuses the
// WebSocket. It returns when ctx ends, even while the dial hangs.
func DialPortForward(ctx context.Context, c *Client, pod Pod) (*PortForward, error) {
	return dialPortForward(ctx, c, pod, false)
}

// dialPortForward is DialPortForward; spdyOnly skips the WebSocket tunnel
// (tests cover both dialers).
//
// client-go's dial takes no context, and one to a pod that is going away
// can hang: stopping dev must not wait for it. The dial's goroutine ends
// when the dial returns; what it made after ctx ended is closed.
func dialPortForward(ctx context.Context, c *Client, pod Pod, spdyOnly bool) (*PortForward, error) {
	type result struct {
		conn httpstream.Connection
		err  error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := dialStreams(c, pod, spdyOnly)
		done <- result{conn, err}
	}()
	select {
	case r := <-done:
		if r.err == nil && ctx.Err() != nil {
			r.conn.Close()
			return nil, ctx.Err()
		}
		if r.err != nil {
			return nil, r.err
		}
		return &PortForward{Pod: pod, conn: r.conn}, nil
	case <-ctx.Done():
		go func() {
			if r := <-done; r.conn != nil {
				r.conn.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

func dialStreams(c *Client, pod Pod, spdyOnly bool) (httpstream.Connection, error) {
	cfg := c.RESTConfig()
	rc, err := rest.UnversionedRESTClientFor(dynamic.ConfigFor(cfg))
	if err != nil {
		return nil, err
	}
	u := rc.Post().AbsPath("/api/v1/namespaces", pod.Namespace, "pods", pod.Name, "portforward").URL()
	rt, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return nil, err
	}
	d := spdy.NewDialerForStreaming(upgrader, &http.Client{Transport: rt}, http.MethodPost, u)
	if !spdyOnly {
		ws, err := portforward.NewSPDYOverWebsocketDialerForStreaming(u, cfg)
		if err != nil {
			return nil, err
		}
		d = portforward.NewFallbackDialerForStreaming(ws, d, func(err error) bool {
			return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
		})
	}
	conn, protocol, err := d.Dial(portforward.PortForwardProtocolV1Name)
	if err != nil {
		return nil, err
	}
	if protocol != portforward.PortForwardProtocolV1Name {
		conn.Close()
		return nil, fmt.Errorf("the server offers port-forward protocol %q, not %q", protocol, portforward.PortForwardProtocolV1Name)
	}
	return conn, nil
}

// Closed is closed when the connection drops.
func (pf *PortForward) Closed() <-chan bool { return pf.conn.CloseChan() }

// Close ends the connection and its streams.
func (pf *PortForward) Close() error { return pf.conn.Close() }

// ErrNoStream means no data was exchanged: the local connection may retry.
var ErrNoStream = errors.New("cannot open a stream to the pod")

// Forward relays local through a new data stream to the pod's port and
// reports what the pod side said went wrong, if anything (a
// *PodSideError); an error wrapping ErrNoStream when no stream could be
// opened.
func (pf *PortForward) Forward(ctx context.Context, local net.Conn, remote int) error {
	h := http.Header{}
	h.Set(corev1.StreamType, corev1.StreamTypeError)
	h.Set(corev1.PortHeader, strconv.Itoa(remote))
	h.Set(corev1.PortForwardRequestIDHeader, strconv.FormatInt(pf.ids.Add(1), 10))
	errStream, err := pf.conn.CreateStream(h)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoStream, err)
	}
	defer pf.conn.RemoveStreams(errStream)
	errStream.Close() // the client writes nothing on it
	h.Set(corev1.StreamType, corev1.StreamTypeData)
	data, err := pf.conn.CreateStream(h)
	if err != nil {
		errStream.Reset()
		return fmt.Errorf("%w: %v", ErrNoStream, err)
	}
	defer pf.conn.RemoveStreams(data)
	var msg []byte
	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		msg, readErr = io.ReadAll(errStream)
		if len(msg) > 0 {
			// The pod side failed (nothing listens on the port yet): end
			// the local connection now, so the client sees it and may
			// retry, instead of waiting for a data stream the server may
			// never close.
			local.Close()
			data.Reset()
		}
	})
	pipe(local, data)
	// The server closes the error stream once the data stream is done; do
	// not wait for it past ctx or a stuck server.
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	stop := context.AfterFunc(wctx, func() { errStream.Reset() })
	wg.Wait()
	stop()
	cancel()
	switch {
	case readErr != nil && ctx.Err() == nil:
		return fmt.Errorf("%s: read the error stream: %w", pf.Pod, readErr)
	case len(msg) > 0:
		return &PodSideError{Pod: pf.Pod, Msg: string(msg)}
	}
	return nil
}

// PodSideError is what the pod side reported on a stream's error stream
// (nothing listens on the port, …). After one, the server may stop
// serving new streams on that connection without closing it (seen with
// containerd: later connections hang), so the connection should be
// replaced.
type PodSideError struct {
	Pod Pod
	Msg string
}

func (e *PodSideError) Error() string { return fmt.Sprintf("%s: %s", e.Pod, e.Msg) }

// pipe copies both ways until the pod side ends or the local side fails,
// and returns once both copies are done.
func pipe(local net.Conn, data httpstream.Stream) {
	remoteDone := make(chan struct{})
	localFailed := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		io.Copy(local, data)
		close(remoteDone)
	})
	wg.Go(func() {
		if _, err := io.Copy(data, local); err != nil {
			close(localFailed)
			return
		}
		data.Close() // the client has sent everything: half-close
	})
	select {
	case <-remoteDone:
	case <-localFailed:
	}
	// Reset discards unsent data, which would otherwise hold the error
	// stream (client-go does the same).
	local.Close()
	data.Reset()
	wg.Wait()
}
