// Package ports forwards ports between this machine and the pod a dev
// config selects: local ports to the pod (Forward) and the pod's ports to
// local ones through the sync agent (ReverseForward), both following the
// pod when it is replaced.
package ports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

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
func Forward(ctx context.Context, c *kube.Client, next func(ctx context.Context) (kube.Pod, error), ports []PortMapping, log io.Writer, ready chan<- error) error {
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
	next  func(ctx context.Context) (kube.Pod, error)
	ports []PortMapping
	log   *lockedWriter

	wg      sync.WaitGroup // every goroutine of the forwarder
	mu      sync.Mutex
	cur     *tunnel       // nil while there is no pod to forward to
	changed chan struct{} // closed and renewed when cur changes
}

func newForwarder(c *kube.Client, next func(ctx context.Context) (kube.Pod, error), ports []PortMapping, log io.Writer) (*forwarder, error) {
	if len(ports) == 0 {
		return nil, errors.New("port forwarding: no ports")
	}
	if log == nil {
		log = io.Discard
	}
	return &forwarder{c: c, next: next, ports: ports, log: &lockedWriter{w: log}, changed: make(chan struct{})}, nil
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
			_ = kube.Pause(ctx, 100*time.Millisecond)
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
		err = t.Forward(ctx, local, m.Remote)
		if !errors.Is(err, kube.ErrNoStream) {
			if err != nil && ctx.Err() == nil {
				f.logf("port forwarding: %s: %v", m, err)
			}
			var pe *kube.PodSideError
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
				_ = kube.Pause(ctx, delay)
			}
			continue
		}
		delay = 0
		f.logf("port forwarding: %s to %s", joinPorts(f.ports), t.Pod)
		why := f.hold(ctx, t)
		f.setCurrent(nil)
		t.Close()
		if why != "" {
			f.logf("port forwarding: %s %s; waiting for the next pod", t.Pod, why)
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
	pf, err := kube.DialPortForward(ctx, f.c, pod)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", pod, err)
	}
	t := &tunnel{PortForward: pf, broken: make(chan struct{})}
	f.setCurrent(t)
	return t, nil
}

// hold waits until the tunnel's pod goes away, its connection drops, a
// stream fails or ctx ends, and says which ("" for ctx).
func (f *forwarder) hold(ctx context.Context, t *tunnel) string {
	wctx, cancel := context.WithCancel(ctx)
	gone := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Go(func() { gone <- kube.PodGone(wctx, f.c, t.Pod) })
	defer wg.Wait()
	defer cancel()
	select {
	case <-ctx.Done():
		return ""
	case why := <-gone:
		return why
	case <-t.Closed():
		return "connection lost"
	case <-t.broken:
		return "" // a stream failed: reconnect quietly (the failure was logged)
	}
}

// tunnel is one port-forward connection to a pod, replaced when a
// stream on it fails.
type tunnel struct {
	*kube.PortForward
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
