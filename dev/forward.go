package dev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
	"k8s.io/streaming/pkg/httpstream"

	"github.com/devspace-engine/devspace/kube"
)

// PortMapping forwards one local port to a port of the pod.
type PortMapping struct {
	Local, Remote int
	BindAddress   string // "" means 127.0.0.1
}

func (m PortMapping) addr() string {
	host := m.BindAddress
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(m.Local))
}

func (m PortMapping) String() string { return fmt.Sprintf("%s->%d", m.addr(), m.Remote) }

// ParsePort parses a DevSpace ports[].port string, "8080" (the same port
// on both sides) or "8080:80" (local:remote), with the entry's bindAddress
// ("" means 127.0.0.1).
func ParsePort(port, bindAddress string) (PortMapping, error) {
	local, remote, pair := strings.Cut(strings.TrimSpace(port), ":")
	if !pair {
		remote = local
	}
	l, errL := portNumber(local)
	r, errR := portNumber(remote)
	if err := errors.Join(errL, errR); err != nil {
		return PortMapping{}, fmt.Errorf("port %q: want PORT or LOCAL:REMOTE: %w", port, err)
	}
	if bindAddress == "" {
		bindAddress = "127.0.0.1"
	}
	if bindAddress != "localhost" && net.ParseIP(bindAddress) == nil {
		return PortMapping{}, fmt.Errorf("port %q: bindAddress %q is not an IP address", port, bindAddress)
	}
	return PortMapping{Local: l, Remote: r, BindAddress: bindAddress}, nil
}

func portNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%q is not a port number (1-65535)", s)
	}
	return n, nil
}

// Forward listens on the local ports and forwards each connection to the
// pod next returns. When that pod goes away (deleted, terminating,
// replaced, connection lost) it asks next again and resumes on the new
// pod; the listeners stay open meanwhile, and connections accepted then
// wait for it. Errors of next and of the connection are written to log
// and retried.
//
// When ready is not nil, Forward sends it one value: nil once every
// listener is open, or the listen error. Forward returns that error when a
// port cannot be listened on (naming it; nothing stays open), and nil once
// ctx ends, after closing the listeners and connections and ending all its
// goroutines.
func Forward(ctx context.Context, c *kube.Client, next func(ctx context.Context) (Pod, error), ports []PortMapping, log io.Writer, ready chan<- error) error {
	f, err := newForwarder(c, next, ports, log)
	if err == nil {
		return f.run(ctx, ready)
	}
	if ready != nil {
		select {
		case ready <- err:
		case <-ctx.Done():
		}
	}
	return err
}

type forwarder struct {
	c     *kube.Client
	cfg   *rest.Config
	rc    rest.Interface
	next  func(ctx context.Context) (Pod, error)
	ports []PortMapping
	log   *lockedWriter
	// spdyOnly skips the WebSocket tunnel (tests cover both dialers).
	spdyOnly bool

	wg      sync.WaitGroup // every goroutine of the forwarder
	mu      sync.Mutex
	cur     *tunnel       // nil while there is no pod to forward to
	changed chan struct{} // closed and renewed when cur changes
}

func newForwarder(c *kube.Client, next func(ctx context.Context) (Pod, error), ports []PortMapping, log io.Writer) (*forwarder, error) {
	if len(ports) == 0 {
		return nil, errors.New("port forwarding: no ports")
	}
	cfg := c.RESTConfig()
	rc, err := rest.UnversionedRESTClientFor(dynamic.ConfigFor(cfg))
	if err != nil {
		return nil, fmt.Errorf("port forwarding: %w", err)
	}
	if log == nil {
		log = io.Discard
	}
	return &forwarder{c: c, cfg: cfg, rc: rc, next: next, ports: ports, log: &lockedWriter{w: log}, changed: make(chan struct{})}, nil
}

func (f *forwarder) run(ctx context.Context, ready chan<- error) error {
	listeners, err := listen(f.ports)
	if ready != nil {
		select {
		case ready <- err:
		case <-ctx.Done():
		}
	}
	if err != nil {
		return err
	}
	f.wg.Go(func() { f.supervise(ctx) })
	for i, l := range listeners {
		f.wg.Go(func() { f.accept(ctx, l, f.ports[i]) })
	}
	<-ctx.Done()
	for _, l := range listeners {
		l.Close()
	}
	f.wg.Wait()
	return nil
}

// listen opens every port or none.
func listen(ports []PortMapping) ([]net.Listener, error) {
	var ls []net.Listener
	for _, m := range ports {
		l, err := net.Listen("tcp", m.addr())
		if err != nil {
			for _, l := range ls {
				l.Close()
			}
			if errors.Is(err, syscall.EADDRINUSE) {
				return nil, fmt.Errorf("port forwarding: local port %d is busy (%s is in use): %w", m.Local, m.addr(), err)
			}
			return nil, fmt.Errorf("port forwarding: listen on local port %d (%s): %w", m.Local, m.addr(), err)
		}
		ls = append(ls, l)
	}
	return ls, nil
}

func (f *forwarder) accept(ctx context.Context, l net.Listener, m PortMapping) {
	for {
		conn, err := l.Accept()
		if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
			if conn != nil {
				conn.Close()
			}
			return
		}
		if err != nil { // e.g. out of file descriptors: try again shortly
			f.logf("port forwarding: accept on %s: %v", m.addr(), err)
			_ = pauseCtx(ctx, 100*time.Millisecond)
			continue
		}
		f.wg.Go(func() { f.handle(ctx, conn, m) })
	}
}

// handle forwards one local connection. A tunnel that cannot open a stream
// is broken: the connection waits for the next one, as nothing was sent.
func (f *forwarder) handle(ctx context.Context, local net.Conn, m PortMapping) {
	defer local.Close()
	stop := context.AfterFunc(ctx, func() { local.Close() })
	defer stop()
	var failed *tunnel
	for {
		t, err := f.current(ctx, failed)
		if err != nil {
			return
		}
		err = t.forward(ctx, local, m.Remote)
		if !errors.Is(err, errNoStream) {
			if err != nil && ctx.Err() == nil {
				f.logf("port forwarding: %s: %v", m, err)
			}
			var pe *podSideError
			if errors.As(err, &pe) {
				t.fail() // a fresh connection for the next ones
			}
			return
		}
		t.fail()
		failed = t
	}
}

// current waits until ctx ends for a tunnel other than failed.
func (f *forwarder) current(ctx context.Context, failed *tunnel) (*tunnel, error) {
	for {
		f.mu.Lock()
		t, changed := f.cur, f.changed
		f.mu.Unlock()
		if t != nil && t != failed && !t.isBroken() {
			return t, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-changed:
		}
	}
}

func (f *forwarder) setCurrent(t *tunnel) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cur = t
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *forwarder) logf(format string, args ...any) {
	fmt.Fprintf(f.log, format+"\n", args...)
}

// lockedWriter serializes the writes of the forwarder's goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// supervise keeps a tunnel to the current pod until ctx ends.
func (f *forwarder) supervise(ctx context.Context) {
	delay := time.Duration(0)
	for ctx.Err() == nil {
		t, err := f.connect(ctx)
		if err != nil {
			if ctx.Err() == nil {
				delay = min(max(2*delay, 500*time.Millisecond), 5*time.Second)
				f.logf("port forwarding: %v (retrying in %s)", err, delay)
				_ = pauseCtx(ctx, delay)
			}
			continue
		}
		delay = 0
		f.logf("port forwarding: %s to %s", joinPorts(f.ports), t.pod)
		why := f.hold(ctx, t)
		f.setCurrent(nil)
		t.conn.Close()
		if why != "" {
			f.logf("port forwarding: %s %s; waiting for the next pod", t.pod, why)
		}
	}
}

func joinPorts(ports []PortMapping) string {
	s := make([]string, len(ports))
	for i, m := range ports {
		s[i] = m.String()
	}
	return strings.Join(s, ", ")
}

func (f *forwarder) connect(ctx context.Context) (*tunnel, error) {
	pod, err := f.next(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := f.dialCtx(ctx, pod)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", pod, err)
	}
	t := &tunnel{pod: pod, conn: conn, broken: make(chan struct{})}
	f.setCurrent(t)
	return t, nil
}

// hold waits until the tunnel's pod goes away, its connection drops, a
// stream fails or ctx ends, and says which ("" for ctx).
func (f *forwarder) hold(ctx context.Context, t *tunnel) string {
	wctx, cancel := context.WithCancel(ctx)
	gone := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Go(func() { gone <- podGone(wctx, f.c, t.pod) })
	defer wg.Wait()
	defer cancel()
	select {
	case <-ctx.Done():
		return ""
	case why := <-gone:
		return why
	case <-t.conn.CloseChan():
		return "connection lost"
	case <-t.broken:
		return "" // a stream failed: reconnect quietly (the failure was logged)
	}
}

// dialCtx is dial that returns when ctx ends. client-go's dial takes no
// context, and one to a pod that is going away can hang: stopping dev must
// not wait for it. The dial's goroutine ends when the dial returns; what
// it made after ctx ended is closed.
func (f *forwarder) dialCtx(ctx context.Context, pod Pod) (httpstream.Connection, error) {
	type result struct {
		conn httpstream.Connection
		err  error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := f.dial(pod)
		done <- result{conn, err}
	}()
	select {
	case r := <-done:
		if r.err == nil && ctx.Err() != nil {
			r.conn.Close()
			return nil, ctx.Err()
		}
		return r.conn, r.err
	case <-ctx.Done():
		go func() {
			if r := <-done; r.conn != nil {
				r.conn.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// dial opens a port-forward connection to pod: SPDY tunnelled through a
// WebSocket, as kubectl does (servers since 1.30), falling back to a plain
// SPDY upgrade when the server or a proxy refuses the WebSocket.
func (f *forwarder) dial(pod Pod) (httpstream.Connection, error) {
	u := f.rc.Post().AbsPath("/api/v1/namespaces", pod.Namespace, "pods", pod.Name, "portforward").URL()
	rt, upgrader, err := spdy.RoundTripperFor(f.cfg)
	if err != nil {
		return nil, err
	}
	d := spdy.NewDialerForStreaming(upgrader, &http.Client{Transport: rt}, http.MethodPost, u)
	if !f.spdyOnly {
		ws, err := portforward.NewSPDYOverWebsocketDialerForStreaming(u, f.cfg)
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

// tunnel is one port-forward connection to a pod; each local connection
// is a pair of streams on it.
type tunnel struct {
	pod    Pod
	conn   httpstream.Connection
	ids    atomic.Int64
	once   sync.Once
	broken chan struct{}
}

func (t *tunnel) fail() { t.once.Do(func() { close(t.broken) }) }

// isBroken says whether a stream failed on the tunnel: it is being
// replaced, and new connections wait for the next one.
func (t *tunnel) isBroken() bool {
	select {
	case <-t.broken:
		return true
	default:
		return false
	}
}

// errNoStream means no data was exchanged: the local connection may retry.
var errNoStream = errors.New("cannot open a stream to the pod")

// forward relays local through a new data stream to the pod's port and
// reports what the pod side said went wrong, if anything.
func (t *tunnel) forward(ctx context.Context, local net.Conn, remote int) error {
	h := http.Header{}
	h.Set(corev1.StreamType, corev1.StreamTypeError)
	h.Set(corev1.PortHeader, strconv.Itoa(remote))
	h.Set(corev1.PortForwardRequestIDHeader, strconv.FormatInt(t.ids.Add(1), 10))
	errStream, err := t.conn.CreateStream(h)
	if err != nil {
		return fmt.Errorf("%w: %v", errNoStream, err)
	}
	defer t.conn.RemoveStreams(errStream)
	errStream.Close() // the client writes nothing on it
	h.Set(corev1.StreamType, corev1.StreamTypeData)
	data, err := t.conn.CreateStream(h)
	if err != nil {
		errStream.Reset()
		return fmt.Errorf("%w: %v", errNoStream, err)
	}
	defer t.conn.RemoveStreams(data)
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
		return fmt.Errorf("%s: read the error stream: %w", t.pod, readErr)
	case len(msg) > 0:
		return &podSideError{pod: t.pod, msg: string(msg)}
	}
	return nil
}

// podSideError is what the pod side reported on a stream's error stream
// (nothing listens on the port, …). After one, the server may stop
// serving new streams on that connection without closing it (seen with
// containerd: later connections hang), so the tunnel is replaced.
type podSideError struct {
	pod Pod
	msg string
}

func (e *podSideError) Error() string { return fmt.Sprintf("%s: %s", e.pod, e.msg) }

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
