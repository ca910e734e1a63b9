package localregistry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/devspace-engine/devspace/kube"
)

// reach makes the registry answer at Host from this machine: directly
// when its node port already does (a cluster whose node is this machine,
// with kube-proxy), else through a port-forward listening on loopback at
// the node port, so that the rewritten names push from here and pull on
// the nodes alike.
func (r *Registry) reach(ctx context.Context) error {
	if ping(ctx, r.NodePort) {
		return nil
	}
	if err := r.listen(); err != nil {
		return err
	}
	r.Forwarded = true
	fctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stop = stop
	for _, ln := range r.lns {
		r.wg.Go(func() { r.serve(fctx, ln) })
	}
	deadline := time.Now().Add(30 * time.Second)
	for !ping(ctx, r.NodePort) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("the registry does not answer through the port-forward on 127.0.0.1:%d", r.NodePort)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil
}

// listen opens the node port on IPv4 loopback, and on IPv6 loopback when
// the machine has it ("localhost" may resolve to either).
func (r *Registry) listen() error {
	port := strconv.Itoa(r.NodePort)
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		return fmt.Errorf("port-forward to the registry on 127.0.0.1:%s, its node port (the address the images are named by): %w; stop what uses the port", port, err)
	}
	r.lns = append(r.lns, ln)
	if ln6, err := net.Listen("tcp", "[::1]:"+port); err == nil {
		r.lns = append(r.lns, ln6)
	}
	return nil
}

// serve forwards each connection of ln to the registry's pod until ctx
// ends or ln is closed.
func (r *Registry) serve(ctx context.Context, ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		r.wg.Go(func() {
			// Clients keep idle connections open (the daemon's and the
			// container runtime's keep-alives): Close ends them.
			stop := context.AfterFunc(ctx, func() { conn.Close() })
			defer stop()
			defer conn.Close()
			r.forward(ctx, conn)
		})
	}
}

// forward relays one connection over the shared port-forward connection,
// made (again) when there is none or the last one failed.
func (r *Registry) forward(ctx context.Context, conn net.Conn) {
	pf, err := r.portForward(ctx)
	if err != nil {
		return // the client sees the connection close
	}
	err = pf.Forward(ctx, conn, r.Port)
	var podSide *kube.PodSideError
	if errors.Is(err, kube.ErrNoStream) || errors.As(err, &podSide) {
		r.mu.Lock()
		if r.pf == pf {
			r.pf.Close()
			r.pf = nil
		}
		r.mu.Unlock()
	}
}

func (r *Registry) portForward(ctx context.Context) (*kube.PortForward, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pf != nil {
		select {
		case <-r.pf.Closed():
			r.pf = nil
		default:
			return r.pf, nil
		}
	}
	wctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	pod, err := kube.WaitPod(wctx, r.client, r.selector())
	if err != nil {
		return nil, err
	}
	pf, err := kube.DialPortForward(ctx, r.client, pod)
	if err != nil {
		return nil, err
	}
	r.pf = pf
	return pf, nil
}

// ping says whether a registry answers on 127.0.0.1:port (the API's
// root answers 200, or 401 when it wants a login).
func ping(ctx context.Context, port int) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+strconv.Itoa(port)+"/v2/", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return (resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized) &&
		resp.Header.Get("Docker-Distribution-Api-Version") != ""
}
