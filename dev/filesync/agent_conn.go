package filesync

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/devspace-engine/devspace/dev/agent"
	"github.com/devspace-engine/devspace/dev/syncproto"
	"github.com/devspace-engine/devspace/kube"
)

// helloTimeout bounds the wait for a started agent's first frame.
const helloTimeout = 20 * time.Second

// agentConn is a running agent: requests go out on its stdin one at a
// time, responses and change reports come back on its stdout.
type agentConn struct {
	stdin *io.PipeWriter
	wmu   sync.Mutex
	resp  chan frame

	mu      sync.Mutex
	pending map[string]*syncproto.Entry // changes reported, not yet taken
	notify  chan struct{}               // has a value when pending is not empty
	stderr  *kube.LockedBuffer

	cancel   context.CancelFunc
	execDone chan struct{}
	done     chan struct{} // the reader ended: err says why
	err      error
}

type frame struct {
	typ  byte
	data []byte
}

// startAgent runs the agent in the pod on dir, installing it first when
// it is not there.
func startAgent(ctx context.Context, c *kube.Client, pod kube.Pod, a *agent.Agent, dir string, flags []string) (*agentConn, error) {
	path, err := a.Ensure(ctx, c, pod)
	if err != nil {
		return nil, err
	}
	return runAgent(ctx, c, pod, append(append([]string{path}, flags...), dir))
}

// runAgent starts cmd and waits for its Hello.
//
// The exec does not end with ctx: close ends it, by closing the agent's
// stdin first (it exits), so that the stream ends cleanly.
func runAgent(ctx context.Context, c *kube.Client, pod kube.Pod, cmd []string) (*agentConn, error) {
	ectx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	conn := &agentConn{
		stdin: inW, resp: make(chan frame, 1), pending: map[string]*syncproto.Entry{},
		notify: make(chan struct{}, 1), cancel: cancel, stderr: &kube.LockedBuffer{},
		execDone: make(chan struct{}), done: make(chan struct{}),
	}
	go func() { // owned by conn: close waits for it
		defer close(conn.execDone)
		err := kube.Exec(ectx, c, pod, cmd, kube.ExecOptions{Stdin: inR, Stdout: outW, Stderr: conn.stderr})
		outW.CloseWithError(cmp.Or(err, io.EOF))
		inW.Close() // our writes fail, and the stdin copy ends quietly
	}()
	hello := make(chan error, 1)
	go conn.read(ectx, outR, hello) // owned by conn: ends when outR does
	select {
	case err := <-hello:
		if err != nil {
			conn.close()
			return nil, err
		}
		return conn, nil
	case <-time.After(helloTimeout):
		conn.close()
		return nil, fmt.Errorf("the sync agent did not start within %s", helloTimeout)
	case <-ctx.Done():
		conn.close()
		return nil, ctx.Err()
	}
}

// read routes the agent's frames: responses to resp, changes to pending.
func (conn *agentConn) read(ctx context.Context, r io.Reader, hello chan<- error) {
	defer close(conn.done)
	typ, data, err := syncproto.ReadFrame(r)
	if err == nil && (typ != syncproto.Hello || string(data) != syncproto.Version) {
		err = fmt.Errorf("the sync agent speaks %q, want %q: rebuild it with devspace", data, syncproto.Version)
		hello <- err
		conn.err = err
		return
	}
	if err != nil {
		conn.err = fmt.Errorf("the sync agent did not start: %v %s", err, conn.stderrText())
		hello <- conn.err
		return
	}
	hello <- nil
	for {
		typ, data, err := syncproto.ReadFrame(r)
		if err != nil {
			conn.err = fmt.Errorf("the sync agent stopped: %w %s", err, conn.stderrText())
			return
		}
		switch typ {
		case syncproto.Changes:
			var cs []syncproto.Change
			if err := json.Unmarshal(data, &cs); err != nil {
				conn.err = fmt.Errorf("sync agent: %w", err)
				return
			}
			conn.mu.Lock()
			for _, ch := range cs {
				conn.pending[ch.Path] = ch.Entry
			}
			conn.mu.Unlock()
			select {
			case conn.notify <- struct{}{}:
			default:
			}
		case syncproto.ErrorMsg:
			conn.err = fmt.Errorf("sync agent: %s", data)
			return
		default:
			select {
			case conn.resp <- frame{typ, data}:
			case <-ctx.Done():
				conn.err = ctx.Err()
				return
			}
		}
	}
}

func (conn *agentConn) stderrText() string {
	return strings.TrimSpace(conn.stderr.String())
}

// takeChanges returns the changes reported since the last call.
func (conn *agentConn) takeChanges() map[string]*syncproto.Entry {
	conn.mu.Lock()
	defer conn.mu.Unlock()
	p := conn.pending
	conn.pending = map[string]*syncproto.Entry{}
	return p
}

// request sends one request and waits for its response, of type want.
func (conn *agentConn) request(ctx context.Context, typ byte, payload []byte, want byte) ([]byte, error) {
	return conn.exchange(ctx, typ, want, func(w io.Writer) error { return syncproto.WriteFrame(w, typ, payload) })
}

// requestStream sends the files of s as one request and waits for its
// response, of type want. The payload is written in pieces, never made
// whole in memory.
func (conn *agentConn) requestStream(ctx context.Context, s *syncproto.FileStream, typ, want byte) ([]byte, error) {
	return conn.exchange(ctx, typ, want, func(w io.Writer) error { return s.WriteFrame(w, typ) })
}

// exchange writes one request frame with write and waits for the
// response, of type want.
func (conn *agentConn) exchange(ctx context.Context, typ, want byte, write func(io.Writer) error) ([]byte, error) {
	conn.wmu.Lock()
	err := write(conn.stdin)
	conn.wmu.Unlock()
	if err != nil {
		<-conn.done
		return nil, cmp.Or(conn.err, err)
	}
	select {
	case f := <-conn.resp:
		if f.typ != want {
			return nil, fmt.Errorf("sync agent: answered %q to %q", f.typ, typ)
		}
		return f.data, nil
	case <-conn.done:
		return nil, conn.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// requestJSON sends v as JSON and decodes the response into out.
func (conn *agentConn) requestJSON(ctx context.Context, typ byte, v any, want byte, out any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	resp, err := conn.request(ctx, typ, data, want)
	if err != nil {
		return err
	}
	return json.Unmarshal(resp, out)
}

// close ends the agent: its stdin closes, on which it exits; the exec
// is cut after a grace period if that does not end it.
func (conn *agentConn) close() {
	conn.stdin.Close()
	select {
	case <-conn.execDone:
	case <-time.After(2 * time.Second):
	}
	conn.cancel()
	<-conn.execDone
	<-conn.done
}
