package buildkit

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/devspace-engine/devspace/kube"
)

// dialStdio connects to buildkitd in the pod through `buildctl
// dial-stdio` run over exec: the gRPC stream travels in the exec's stdin
// and stdout, so the daemon needs no port, no service and no credentials
// of its own. The connection lives until Close, not until ctx.
func dialStdio(ctx context.Context, c *kube.Client, pod kube.Pod) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	conn := &stdioConn{r: outR, w: inW, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(conn.done)
		var stderr kube.LockedBuffer
		err := kube.Exec(runCtx, c, pod, []string{"buildctl", "--addr", socket, "dial-stdio"},
			kube.ExecOptions{Stdin: inR, Stdout: outW, Stderr: &stderr})
		if err == nil {
			err = io.EOF
		} else if msg := strings.TrimSpace(stderr.String()); msg != "" {
			err = &dialError{err: err, stderr: msg}
		}
		outW.CloseWithError(err)
		inR.CloseWithError(err)
	}()
	return conn, nil
}

type dialError struct {
	err    error
	stderr string
}

func (e *dialError) Error() string { return e.err.Error() + ": " + e.stderr }
func (e *dialError) Unwrap() error { return e.err }

// stdioConn is a net.Conn over an exec's stdin and stdout. Deadlines are
// not supported (gRPC does not need them on its transport).
type stdioConn struct {
	r      *io.PipeReader
	w      *io.PipeWriter
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

func (c *stdioConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *stdioConn) Write(p []byte) (int, error) { return c.w.Write(p) }

// Close ends the exec and waits for its goroutine.
func (c *stdioConn) Close() error {
	c.once.Do(func() {
		c.w.Close()
		c.cancel()
		c.r.Close()
		<-c.done
	})
	return nil
}

func (c *stdioConn) LocalAddr() net.Addr              { return stdioAddr{} }
func (c *stdioConn) RemoteAddr() net.Addr             { return stdioAddr{} }
func (c *stdioConn) SetDeadline(time.Time) error      { return nil }
func (c *stdioConn) SetReadDeadline(time.Time) error  { return nil }
func (c *stdioConn) SetWriteDeadline(time.Time) error { return nil }

type stdioAddr struct{}

func (stdioAddr) Network() string { return "exec" }
func (stdioAddr) String() string  { return "buildctl dial-stdio" }
