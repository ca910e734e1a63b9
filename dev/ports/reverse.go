package ports

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/devspace-engine/devspace/dev/agent"
	"github.com/devspace-engine/devspace/kube"
)

// ReverseForward makes each mapping's Remote port, in the container (on
// its BindAddress, default 127.0.0.1), reach Local on this machine
// (dev.*.reversePorts: "LOCAL:REMOTE", as ports). The in-container side
// is the sync agent: `reverse-listen` accepts connections there and hands
// each over, by a unix socket name, to a `reverse-dial` that devspace runs
// over a second exec joined to a fresh connection to the local port. When
// the pod goes away it resumes on the next one. started gets nil once
// every port listens in the first pod, or the error that stopped it.
func ReverseForward(ctx context.Context, c *kube.Client, next func(context.Context) (kube.Pod, error), ports []PortMapping, a *agent.Agent, log io.Writer, started chan<- error) error {
	first := true
	report := func(err error) {
		if first {
			first = false
			started <- err
		}
	}
	for ctx.Err() == nil {
		pod, err := next(ctx)
		if err != nil {
			report(err)
			return err
		}
		err = reverseInPod(ctx, c, pod, ports, a, log, report)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && first {
			report(err)
			return err
		}
		fmt.Fprintf(log, "reverse port forwarding: %s went away; resuming on the next pod\n", pod)
		_ = kube.Pause(ctx, time.Second)
	}
	report(ctx.Err())
	return nil
}

// reverseInPod runs every mapping's listener in pod until one ends.
func reverseInPod(ctx context.Context, c *kube.Client, pod kube.Pod, ports []PortMapping, a *agent.Agent, log io.Writer, report func(error)) error {
	agentPath, err := a.Ensure(ctx, c, pod)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, len(ports))
	listening := make(chan struct{}, len(ports))
	for _, p := range ports {
		wg.Go(func() {
			errs <- reverseListener(ctx, c, pod, p, agentPath, log, listening)
			cancel() // one listener gone (the pod went away): restart all
		})
	}
	for range ports {
		select {
		case <-listening:
		case err := <-errs:
			wg.Wait()
			return err
		}
	}
	report(nil)
	wg.Wait()
	return nil
}

// reverseListener runs reverse-listen for one mapping and serves each
// connection it announces.
func reverseListener(ctx context.Context, c *kube.Client, pod kube.Pod, p PortMapping, agentPath string, log io.Writer, listening chan<- struct{}) error {
	addr := net.JoinHostPort(p.BindAddress, strconv.Itoa(p.Remote))
	stdinR, stdinW := io.Pipe() // held open: closing it ends the listener
	defer stdinW.Close()
	outR, outW := io.Pipe()
	var stderr kube.LockedBuffer
	done := make(chan error, 1)
	go func() {
		err := kube.Exec(ctx, c, pod, []string{agentPath, "reverse-listen", addr}, kube.ExecOptions{Stdin: stdinR, Stdout: outW, Stderr: &stderr})
		outW.CloseWithError(io.EOF)
		done <- err
	}()
	var conns sync.WaitGroup
	defer conns.Wait()
	sc := bufio.NewScanner(outR)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "listening "):
			fmt.Fprintf(log, "reverse port forwarding: %s in %s -> 127.0.0.1:%d\n", addr, pod, p.Local)
			listening <- struct{}{}
		case strings.HasPrefix(line, "conn "):
			path := strings.TrimPrefix(line, "conn ")
			conns.Go(func() { serveReverse(ctx, c, pod, agentPath, path, p.Local, log) })
		}
	}
	err := <-done
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("reverse port %s in %s: %w %s", addr, pod, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// serveReverse joins one announced connection to a new connection to the
// local port.
func serveReverse(ctx context.Context, c *kube.Client, pod kube.Pod, agentPath, path string, local int, log io.Writer) {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(local)), 5*time.Second)
	if err != nil {
		fmt.Fprintf(log, "reverse port forwarding: nothing answers on 127.0.0.1:%d: %v\n", local, err)
		// The parked connection is dropped when nobody picks it up.
		return
	}
	defer conn.Close()
	err = kube.Exec(ctx, c, pod, []string{agentPath, "reverse-dial", path}, kube.ExecOptions{Stdin: conn, Stdout: conn})
	if err != nil && ctx.Err() == nil {
		fmt.Fprintf(log, "reverse port forwarding: connection to 127.0.0.1:%d: %v\n", local, err)
	}
}
