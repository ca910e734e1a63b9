package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	uexec "k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"
)

// ExecOptions are the streams of one command run in a container.
type ExecOptions struct {
	Stdin          io.Reader // nil: no stdin
	Stdout, Stderr io.Writer // nil: discarded
	TTY            bool      // allocate a TTY (Stderr is then merged into Stdout)
	// Resize is optional, with TTY: each size received is sent to the
	// remote terminal (send the initial size first). Exec stops reading it
	// when it returns; closing it stops the resizes.
	Resize <-chan TerminalSize
}

// TerminalSize is the size of a terminal in characters.
type TerminalSize struct{ Width, Height uint16 }

// ExitError is a command's non-zero exit status.
type ExitError struct{ Code int }

func (e *ExitError) Error() string {
	return fmt.Sprintf("command terminated with exit code %d", e.Code)
}

// Exec runs cmd in the pod's container and waits for it (or ctx). A
// non-zero exit is an *ExitError with the code; other failures name the
// pod and container.
//
// It streams over a WebSocket (the v5 protocol, servers since 1.30), as
// kubectl does, falling back to a SPDY upgrade when the server or a proxy
// refuses the WebSocket. When Stdin ends, the remote command's stdin is
// closed. A Stdin that never ends (and blocks in Read) keeps one goroutine
// reading it after Exec returns, as in kubectl.
//
// When ctx ends, Exec closes the connection and returns at once, but the
// server does not kill the command: without a TTY it runs on in the
// container (seen with containerd), as after an interrupted kubectl exec.
func Exec(ctx context.Context, c *Client, pod Pod, cmd []string, opts ExecOptions) error {
	if len(cmd) == 0 {
		return fmt.Errorf("exec in %s: no command", pod)
	}
	return execIn(ctx, c, pod, cmd, opts, false)
}

// Attach connects opts' streams to the container's main process, as
// `kubectl attach` does (the container needs stdin, and tty for TTY). It
// returns when the process ends, the stream is closed, or ctx ends.
func Attach(ctx context.Context, c *Client, pod Pod, opts ExecOptions) error {
	return execIn(ctx, c, pod, nil, opts, false)
}

// execIn runs cmd over the exec subresource, or attaches (cmd nil).
func execIn(ctx context.Context, c *Client, pod Pod, cmd []string, opts ExecOptions, spdyOnly bool) error {
	if pod.Name == "" || pod.Namespace == "" {
		return fmt.Errorf("exec in %s: the pod has no name or namespace", pod)
	}
	cfg := c.RESTConfig()
	rc, err := rest.UnversionedRESTClientFor(dynamic.ConfigFor(cfg))
	if err != nil {
		return fmt.Errorf("exec in %s: %w", pod, err)
	}
	sub := "exec"
	if cmd == nil {
		sub = "attach"
	}
	req := rc.Post().AbsPath("/api/v1/namespaces", pod.Namespace, "pods", pod.Name, sub)
	if pod.Container != "" {
		req = req.Param("container", pod.Container)
	}
	for _, a := range cmd {
		req = req.Param("command", a)
	}
	// The server requires at least one of stdin, stdout and stderr; stdout
	// is always requested so that output can be discarded.
	stdout := opts.Stdout
	if stdout == nil {
		stdout = io.Discard
	}
	stderr := opts.Stderr
	if stderr == nil && !opts.TTY {
		stderr = io.Discard
	}
	if opts.TTY {
		stderr = nil // merged into stdout by the TTY
	}
	req = req.Param("stdin", boolParam(opts.Stdin != nil)).
		Param("stdout", "true").
		Param("stderr", boolParam(stderr != nil)).
		Param("tty", boolParam(opts.TTY))
	u := req.URL()

	ex, err := remotecommand.NewSPDYExecutor(cfg, http.MethodPost, u)
	if err != nil {
		return fmt.Errorf("exec in %s: %w", pod, err)
	}
	if !spdyOnly {
		ws, err := remotecommand.NewWebSocketExecutor(cfg, http.MethodGet, u.String())
		if err != nil {
			return fmt.Errorf("exec in %s: %w", pod, err)
		}
		ex, err = remotecommand.NewFallbackExecutor(ws, ex, func(err error) bool {
			return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
		})
		if err != nil {
			return fmt.Errorf("exec in %s: %w", pod, err)
		}
	}

	done := make(chan struct{})
	defer close(done)
	so := remotecommand.StreamOptions{Stdin: opts.Stdin, Stdout: stdout, Stderr: stderr, Tty: opts.TTY}
	if opts.TTY && opts.Resize != nil {
		so.TerminalSizeQueue = sizeQueue{c: opts.Resize, done: done}
	}
	err = ex.StreamWithContext(ctx, so)
	if err == nil {
		return nil
	}
	var exit uexec.ExitError
	if errors.As(err, &exit) && exit.Exited() {
		return &ExitError{Code: exit.ExitStatus()}
	}
	if cmd == nil {
		return fmt.Errorf("attach to %s: %w", pod, err)
	}
	return fmt.Errorf("exec %s in %s: %w", strings.Join(cmd, " "), pod, err)
}

func boolParam(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// sizeQueue feeds ExecOptions.Resize to client-go until the channel is
// closed or Exec returns.
type sizeQueue struct {
	c    <-chan TerminalSize
	done <-chan struct{}
}

func (q sizeQueue) Next() *remotecommand.TerminalSize {
	select {
	case s, ok := <-q.c:
		if !ok {
			return nil
		}
		return &remotecommand.TerminalSize{Width: s.Width, Height: s.Height}
	case <-q.done:
		return nil
	}
}

// LockedBuffer collects a command's output for reading afterwards. Use
// it, not a bytes.Buffer, for Exec's Stdout and Stderr: client-go's
// copying goroutines may still write after Exec returned on a cancel.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
