package sshd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/devspace-engine/devspace/dev/agent"
	"github.com/devspace-engine/devspace/dev/ports"
	"github.com/devspace-engine/devspace/kube"
)

// Config is one dev.*.ssh.
type Config struct {
	Host          string // localHostname: the Host entry's name
	LocalPort     int    // 0: a free port, the same one next time while it is free
	RemoteAddress string // where the server listens in the container, ":8022"
	// Home holds .ssh/config and .devspace/ssh; "" is the user's home.
	Home string
}

// Serve runs the SSH server in the container next gives (resuming on the
// next pod when it goes away), forwards the local port to it, and keeps
// the Host entry in ~/.ssh/config until ctx ends, when it removes it.
// started gets one value: nil once the server listens, the port is
// forwarded and the entry written, or the error that stopped that.
func Serve(ctx context.Context, c *kube.Client, next func(context.Context) (kube.Pod, error), cfg Config, a *agent.Agent, log io.Writer, started chan<- error) error {
	entry, remotePort, err := prepare(&cfg)
	if err != nil {
		started <- err
		return err
	}
	setup, _ := json.Marshal(map[string]string{"hostKey": entry.Keys.HostKey, "authorizedKey": entry.Keys.AuthorizedKey})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	serverUp, forwardUp := make(chan error, 1), make(chan error, 1)
	var wg sync.WaitGroup
	var runErr error
	var mu sync.Mutex
	own := func(run func() error) {
		wg.Go(func() {
			if err := run(); err != nil {
				mu.Lock()
				runErr = errors.Join(runErr, err)
				mu.Unlock()
			}
			cancel() // one half gone: the other is of no use
		})
	}
	own(func() error { return runServer(ctx, c, next, cfg.RemoteAddress, append(setup, '\n'), a, log, serverUp) })
	mapping := ports.PortMapping{Local: entry.Port, Remote: remotePort, BindAddress: "127.0.0.1"}
	own(func() error { return ports.Forward(ctx, c, next, []ports.PortMapping{mapping}, log, forwardUp) })
	err = errors.Join(<-serverUp, <-forwardUp)
	if err == nil {
		err = AddHost(cfg.Home, entry)
	}
	if err == nil {
		fmt.Fprintf(log, "ssh: `ssh %s` reaches the container (127.0.0.1:%d)\n", entry.Host, entry.Port)
		defer func() {
			if rerr := RemoveHost(cfg.Home, entry.Host); rerr != nil {
				fmt.Fprintf(log, "ssh: %v\n", rerr)
			}
		}()
	}
	started <- err
	if err != nil {
		cancel()
	}
	wg.Wait()
	if ctx.Err() != nil && err == nil {
		return nil
	}
	return errors.Join(err, runErr)
}

// prepare fills in the home, loads the keys and picks the local port.
func prepare(cfg *Config) (HostEntry, int, error) {
	_, p, err := net.SplitHostPort(cfg.RemoteAddress)
	remotePort, perr := strconv.Atoi(p)
	if err != nil || perr != nil || remotePort <= 0 || remotePort > 65535 {
		return HostEntry{}, 0, fmt.Errorf("ssh: remoteAddress %q: want HOST:PORT or :PORT, e.g. :8022", cfg.RemoteAddress)
	}
	if cfg.Home == "" {
		if cfg.Home, err = os.UserHomeDir(); err != nil {
			return HostEntry{}, 0, fmt.Errorf("ssh: %w", err)
		}
	}
	home := cfg.Home
	keys, err := LoadKeys(home)
	if err != nil {
		return HostEntry{}, 0, err
	}
	port := cfg.LocalPort
	if port == 0 {
		if port, err = stablePort(home, cfg.Host); err != nil {
			return HostEntry{}, 0, err
		}
	}
	return HostEntry{Host: cfg.Host, Port: port, Keys: keys}, remotePort, nil
}

// runServer keeps the agent's ssh-server running in the current pod,
// starting it again in the next one when the pod goes away. up gets one
// value: nil once it listens in the first pod, or why it could not.
func runServer(ctx context.Context, c *kube.Client, next func(context.Context) (kube.Pod, error), addr string, setup []byte, a *agent.Agent, log io.Writer, up chan<- error) error {
	reported := false
	report := func(err error) {
		if !reported {
			reported = true
			up <- err
		}
	}
	for ctx.Err() == nil {
		pod, err := next(ctx)
		if err == nil {
			err = serverInPod(ctx, c, pod, addr, setup, a, func() { report(nil) })
		}
		if ctx.Err() != nil {
			break
		}
		if !reported { // it never ran: a config or container problem
			report(err)
			return err
		}
		fmt.Fprintf(log, "ssh: %v; starting it in the next pod\n", err)
		_ = kube.Pause(ctx, time.Second)
	}
	report(ctx.Err())
	return nil
}

// serverInPod runs the server in pod until it or ctx ends, calling
// listening once it listens.
func serverInPod(ctx context.Context, c *kube.Client, pod kube.Pod, addr string, setup []byte, a *agent.Agent, listening func()) error {
	path, err := a.Ensure(ctx, c, pod)
	if err != nil {
		return err
	}
	stdinR, stdinW := io.Pipe() // held open: closing it ends the server
	defer stdinW.Close()
	go func() { _, _ = stdinW.Write(setup) }()
	outR, outW := io.Pipe()
	var stderr kube.LockedBuffer
	done := make(chan error, 1)
	go func() {
		err := kube.Exec(ctx, c, pod, []string{path, "ssh-server", addr}, kube.ExecOptions{Stdin: stdinR, Stdout: outW, Stderr: &stderr})
		outW.CloseWithError(io.EOF)
		done <- err
	}()
	sc := bufio.NewScanner(outR)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "listening ") {
			listening()
		}
	}
	err = <-done
	if err == nil {
		err = errors.New("the server stopped")
	}
	return fmt.Errorf("ssh server on %s in %s: %w %s", addr, pod, err, strings.TrimSpace(stderr.String()))
}
