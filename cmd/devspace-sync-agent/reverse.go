package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Reverse port forwarding (dev.*.reversePorts): a connection made in the
// container to ADDR reaches a port on the developer's machine. The
// agent cannot dial out of the container to that machine, so each
// connection is handed over by name: `reverse-listen ADDR` accepts it,
// parks it behind a unix socket and prints "conn PATH" on stdout; devspace
// then runs `reverse-dial PATH` in the container over a second exec,
// whose stdin and stdout carry the connection's bytes to and from the
// local port. reverse-listen ends when its stdin closes.

// handoffTimeout bounds the wait for devspace to pick up a connection.
const handoffTimeout = 15 * time.Second

func reverseListen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	out := &lineOut{w: bufio.NewWriter(os.Stdout)}
	out.line("listening " + ln.Addr().String())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin) // until devspace goes away
		ln.Close()
	}()
	for n := 0; ; n++ {
		conn, err := ln.Accept()
		if err != nil {
			return nil // closed: stdin ended
		}
		go handOff(conn, n, out)
	}
}

// handOff parks conn behind a fresh unix socket until reverse-dial takes
// it, then relays between the two.
func handOff(conn net.Conn, n int, out *lineOut) {
	defer conn.Close()
	path := fmt.Sprintf("%s/devspace-reverse-%d-%d.sock", os.TempDir(), os.Getpid(), n)
	ul, err := net.Listen("unix", path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "reverse: %v\n", err)
		return
	}
	defer os.Remove(path)
	_ = ul.(*net.UnixListener).SetDeadline(time.Now().Add(handoffTimeout))
	out.line("conn " + path)
	peer, err := ul.Accept()
	ul.Close()
	if err != nil {
		return // nobody came: the connection is dropped
	}
	relay(conn, peer)
}

// reverseDial joins the parked connection at path to stdin and stdout.
func reverseDial(path string) error {
	peer, err := net.Dial("unix", path)
	if err != nil {
		return err
	}
	relay(stdio{}, peer)
	return nil
}

// relay copies both ways until both directions ended, closing each write
// side when its source ends (so that a request's end reaches the server).
func relay(a, b io.ReadWriteCloser) {
	var wg sync.WaitGroup
	copyHalf := func(dst, src io.ReadWriteCloser) {
		_, _ = io.Copy(dst, src)
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		} else {
			_ = dst.Close()
		}
	}
	wg.Go(func() { copyHalf(a, b) })
	wg.Go(func() { copyHalf(b, a) })
	wg.Wait()
	a.Close()
	b.Close()
}

// stdio is the process's stdin and stdout as one stream.
type stdio struct{}

func (stdio) Read(p []byte) (int, error)  { return os.Stdin.Read(p) }
func (stdio) Write(p []byte) (int, error) { return os.Stdout.Write(p) }
func (stdio) Close() error                { return os.Stdout.Close() }
func (stdio) CloseWrite() error           { return os.Stdout.Close() }

// lineOut writes whole lines to stdout from many goroutines.
type lineOut struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (o *lineOut) line(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.w.WriteString(s + "\n")
	o.w.Flush()
}
