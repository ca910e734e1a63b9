package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/devspace-engine/devspace/kube/kubetest"
	"github.com/devspace-engine/devspace/testbed"
)

// TestSSH runs a dev session with dev.app.ssh under a temporary HOME:
// the Host entry it writes to ~/.ssh/config leads, with the key pair
// under ~/.devspace/ssh and the host key it pins, to a shell in the
// container (output, exit status); OpenSSH's client gets there by the
// host name alone; the entry is gone once the session ends.
func TestSSH(t *testing.T) {
	_, ns := kubetest.Cluster(t)
	kubeconfig := testbed.Kube(t).Kubeconfig
	home, dir := t.TempDir(), t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{"devspace.yaml": sleeperDevProject("sshtest", `    ssh: {}
`)})
	cmd := exec.Command(filepath.Join(binDir, "devspace"), "run-pipeline", "devp", "--kubeconfig", kubeconfig, "-n", ns)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+home)
	var out testbed.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	const host = "app.sshtest.devspace"
	sshConfig := filepath.Join(home, ".ssh", "config")
	port := waitHostEntry(t, sshConfig, host, &out)
	conn := dialDevSSH(t, home, host, port)
	defer conn.Close()
	s, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	s.Stdout = &stdout
	err = s.Run("echo hi from $(hostname); exit 3")
	var exit *ssh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 3 || !strings.HasPrefix(stdout.String(), "hi from app-") {
		t.Errorf("echo; exit 3: %v, output %q; want exit status 3 and hi from the pod", err, stdout.String())
	}

	ossh := exec.Command("ssh", "-F", sshConfig, "-o", "BatchMode=yes", host, "echo via openssh; exit 4")
	got, err := ossh.CombinedOutput()
	if !errors.As(err, new(*exec.ExitError)) || ossh.ProcessState.ExitCode() != 4 || string(got) != "via openssh\n" {
		t.Errorf("ssh %s: %v, output %q; want exit 4 and the echo", host, err, got)
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if data, _ := os.ReadFile(sshConfig); strings.Contains(string(data), host) {
		t.Errorf("after dev ended ~/.ssh/config still has the entry:\n%s\ndev output:\n%s", data, out.String())
	}
}

// waitHostEntry waits for host's entry in the ssh config and returns
// its port.
func waitHostEntry(t *testing.T, path, host string, out *testbed.SyncBuffer) string {
	t.Helper()
	portLine := regexp.MustCompile(`(?m)^Host ` + regexp.QuoteMeta(host) + `\n(?:  .*\n)*?  Port (\d+)\n`)
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		data, _ := os.ReadFile(path)
		if m := portLine.FindSubmatch(data); m != nil {
			return string(m[1])
		}
		time.Sleep(200 * time.Millisecond)
	}
	data, _ := os.ReadFile(path)
	t.Fatalf("no Host %s with a Port in %s:\n%s\ndev output:\n%s", host, path, data, out.String())
	return ""
}

// dialDevSSH logs in with devspace's key, checking the host key against
// its known_hosts under the host's alias, as the entry tells ssh to.
func dialDevSSH(t *testing.T, home, host, port string) *ssh.Client {
	t.Helper()
	keyPEM, err := os.ReadFile(filepath.Join(home, ".devspace", "ssh", "id_devspace_ed25519"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	known, err := knownhosts.New(filepath.Join(home, ".devspace", "ssh", "known_hosts"))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ssh.Dial("tcp", net.JoinHostPort("127.0.0.1", port), &ssh.ClientConfig{
		User: "devspace", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, Timeout: 30 * time.Second,
		HostKeyCallback: func(_ string, remote net.Addr, key ssh.PublicKey) error {
			return known(host+":22", remote, key)
		},
	})
	if err != nil {
		t.Fatalf("ssh to 127.0.0.1:%s: %v", port, err)
	}
	return conn
}
