package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"

	"golang.org/x/crypto/ssh"
)

// The SSH server (dev.*.ssh): `ssh-server ADDR` reads one JSON line on
// stdin with the host key and the one public key it lets in, listens on
// ADDR, prints "listening ADDR", and serves sessions (exec, shell, with or
// without a pseudo-terminal, env, exit status) and direct-tcpip channels
// (the port forwards IDEs open) until its stdin closes. Everything runs
// as the container's user, in the agent's working directory.

// sshSetup is the line devspace sends first.
type sshSetup struct {
	HostKey       string `json:"hostKey"`       // PEM, OpenSSH format
	AuthorizedKey string `json:"authorizedKey"` // authorized_keys format
}

func sshServer(addr string) error {
	in := bufio.NewReader(os.Stdin)
	line, err := in.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("read the setup line: %w", err)
	}
	cfg, err := serverConfig(line)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	out := &lineOut{w: bufio.NewWriter(os.Stdout)}
	out.line("listening " + ln.Addr().String())
	go func() {
		_, _ = io.Copy(io.Discard, in) // until devspace goes away
		ln.Close()
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			return nil // closed: stdin ended
		}
		go serveSSH(conn, cfg)
	}
}

// serverConfig lets in only the authorized key, and presents the host key.
func serverConfig(line []byte) (*ssh.ServerConfig, error) {
	var s sshSetup
	if err := json.Unmarshal(line, &s); err != nil {
		return nil, fmt.Errorf("setup line: %w", err)
	}
	host, err := ssh.ParsePrivateKey([]byte(s.HostKey))
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	allowed, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.AuthorizedKey))
	if err != nil {
		return nil, fmt.Errorf("authorized key: %w", err)
	}
	want := allowed.Marshal()
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if bytes.Equal(k.Marshal(), want) {
			return nil, nil
		}
		return nil, errors.New("not the key devspace generated")
	}}
	cfg.AddHostKey(host)
	return cfg, nil
}

func serveSSH(nc net.Conn, cfg *ssh.ServerConfig) {
	conn, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		nc.Close()
		return
	}
	defer conn.Close()
	go ssh.DiscardRequests(reqs) // no remote forwarding, no keepalive answers needed
	for nch := range chans {
		switch nch.ChannelType() {
		case "session":
			go serveSession(nch)
		case "direct-tcpip":
			go serveDirect(nch)
		default:
			_ = nch.Reject(ssh.UnknownChannelType, "only session and direct-tcpip channels")
		}
	}
}

// serveDirect relays a port forward the client opened to its target,
// dialled from the container.
func serveDirect(nch ssh.NewChannel) {
	var d struct {
		Host     string
		Port     uint32
		OrigHost string
		OrigPort uint32
	}
	if err := ssh.Unmarshal(nch.ExtraData(), &d); err != nil {
		_ = nch.Reject(ssh.ConnectionFailed, "bad direct-tcpip request")
		return
	}
	target, err := net.Dial("tcp", net.JoinHostPort(d.Host, strconv.Itoa(int(d.Port))))
	if err != nil {
		_ = nch.Reject(ssh.ConnectionFailed, err.Error())
		return
	}
	ch, reqs, err := nch.Accept()
	if err != nil {
		target.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	relay(ch, target.(*net.TCPConn))
}

// session is one session channel: its environment and terminal, set by
// requests before the exec or shell request starts the process.
type session struct {
	ch   ssh.Channel
	env  []string
	term *ptyRequest
	pty  *os.File // the master side, once the process runs on a terminal
	mu   sync.Mutex
}

type ptyRequest struct {
	Term                 string
	Cols, Rows, PxW, PxH uint32
	Modes                string
}

func serveSession(nch ssh.NewChannel) {
	ch, reqs, err := nch.Accept()
	if err != nil {
		return
	}
	defer ch.Close()
	s := &session{ch: ch, env: os.Environ()}
	started := false
	for req := range reqs {
		ok := false
		switch req.Type {
		case "env":
			var kv struct{ Name, Value string }
			if ssh.Unmarshal(req.Payload, &kv) == nil {
				s.env = append(s.env, kv.Name+"="+kv.Value)
				ok = true
			}
		case "pty-req":
			var p ptyRequest
			if ssh.Unmarshal(req.Payload, &p) == nil && !started {
				s.term, ok = &p, true
			}
		case "window-change":
			var w struct{ Cols, Rows, PxW, PxH uint32 }
			if ssh.Unmarshal(req.Payload, &w) == nil {
				s.resize(w.Cols, w.Rows)
				ok = true
			}
		case "exec", "shell":
			var cmd struct{ Command string }
			if req.Type == "exec" && ssh.Unmarshal(req.Payload, &cmd) != nil {
				break
			}
			if !started {
				started, ok = true, true
				_ = req.Reply(true, nil)
				go s.run(cmd.Command)
				continue
			}
		}
		if req.WantReply {
			_ = req.Reply(ok, nil)
		}
	}
}

// run runs command (the login shell when empty) and reports its exit
// status, then closes the channel.
func (s *session) run(command string) {
	shell := "/bin/sh"
	if _, err := os.Stat("/bin/bash"); err == nil {
		shell = "/bin/bash"
	}
	cmd := exec.Command(shell)
	if command != "" {
		cmd = exec.Command(shell, "-c", command)
	}
	cmd.Env = s.env
	var err error
	if s.term != nil {
		err = s.runOnTerminal(cmd)
	} else {
		err = s.runPiped(cmd)
	}
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
		if code < 0 {
			code = 128 + 1 // killed by a signal
		}
	case err != nil:
		fmt.Fprintf(s.ch.Stderr(), "devspace ssh: %v\n", err)
		code = 127
	}
	_, _ = s.ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(code)}))
	s.ch.Close()
}

// runPiped connects the process to the channel through pipes. Its stdin
// is fed by a goroutine of its own, not waited for: a client that never
// closes its input must not keep the session open after the process ends.
func (s *session) runPiped(cmd *exec.Cmd) error {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = s.ch, s.ch.Stderr()
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() {
		_, _ = io.Copy(stdin, s.ch)
		stdin.Close()
	}()
	return cmd.Wait()
}
