package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// sshAgent runs `ssh-server` here with fresh keys and returns a client
// config that holds the authorized key and checks the host key.
func sshAgent(t *testing.T) (addr string, client *ssh.ClientConfig) {
	t.Helper()
	hostPub, hostKey := newKey(t)
	userPub, userKey := newKey(t)
	cmd := exec.Command(agentBin, "ssh-server", "127.0.0.1:0")
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); _ = cmd.Wait() }) // stdin closed: the server ends
	setup, _ := json.Marshal(sshSetup{HostKey: string(pem.EncodeToMemory(hostKey)), AuthorizedKey: string(ssh.MarshalAuthorizedKey(userPub))})
	if _, err := in.Write(append(setup, '\n')); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if !strings.HasPrefix(line, "listening ") {
		t.Fatalf("ssh-server said %q, %v", line, err)
	}
	signer, err := ssh.ParsePrivateKey(pem.EncodeToMemory(userKey))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "listening ")), &ssh.ClientConfig{
		User: "dev", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(hostPub), Timeout: 10 * time.Second,
	}
}

func newKey(t *testing.T) (ssh.PublicKey, *pem.Block) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sshPub, block
}

// TestSSHServer: a command runs with the environment the client sent,
// its output and exit status come back, input reaches it, a shell on a
// terminal answers, and a key other than the authorized one is refused.
func TestSSHServer(t *testing.T) {
	addr, cfg := sshAgent(t)
	conn, err := ssh.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	s, _ := conn.NewSession()
	if err := s.Setenv("GREETING", "hi"); err != nil {
		t.Fatal(err)
	}
	s.Stdin = strings.NewReader("from stdin\n")
	var stdout, stderr bytes.Buffer
	s.Stdout, s.Stderr = &stdout, &stderr
	err = s.Run(`echo "$GREETING"; read line; echo "$line"; echo oops >&2; exit 3`)
	var exit *ssh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 3 {
		t.Errorf("exit: %v; want status 3", err)
	}
	if stdout.String() != "hi\nfrom stdin\n" || stderr.String() != "oops\n" {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}

	s, _ = conn.NewSession()
	if err := s.RequestPty("xterm", 40, 100, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	s.Stdin = strings.NewReader("tty; echo \"term=$TERM\"; exit 5\n")
	var term bytes.Buffer
	s.Stdout = &term
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	err = s.Wait()
	if !errors.As(err, &exit) || exit.ExitStatus() != 5 {
		t.Errorf("shell exit: %v; want status 5 (output %q)", err, term.String())
	}
	if !strings.Contains(term.String(), "/dev/pts/") || !strings.Contains(term.String(), "term=xterm") {
		t.Errorf("the shell on a terminal wrote %q; want its tty and TERM=xterm", term.String())
	}

	_, otherKey := newKey(t)
	other, _ := ssh.ParsePrivateKey(pem.EncodeToMemory(otherKey))
	bad := *cfg
	bad.Auth = []ssh.AuthMethod{ssh.PublicKeys(other)}
	if c, err := ssh.Dial("tcp", addr, &bad); err == nil {
		c.Close()
		t.Errorf("a key other than the authorized one got in")
	}
}

// TestSSHPortForward: a port forward the client opens (as IDEs do) is
// dialled from the server's side and relays both ways.
func TestSSHPortForward(t *testing.T) {
	target, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	go func() {
		c, err := target.Accept()
		if err != nil {
			return
		}
		line, _ := bufio.NewReader(c).ReadString('\n')
		c.Write([]byte("echo " + line))
		c.Close()
	}()
	addr, cfg := sshAgent(t)
	conn, err := ssh.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := conn.Dial("tcp", target.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("ping\n"))
	got, _ := io.ReadAll(c)
	if string(got) != "echo ping\n" {
		t.Errorf("through the forward: %q; want the target's echo", got)
	}
}
