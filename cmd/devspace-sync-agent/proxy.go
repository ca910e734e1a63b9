package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/devspace-engine/devspace/dev/syncproto"
)

// Proxy commands (dev.*.proxyCommands): `proxy-install PORT NAME...`
// links each NAME in syncproto.ProxyBinDir to the agent and records PORT; the
// agent run by such a name sends its arguments, working directory,
// environment and input to devspace on 127.0.0.1:PORT (reverse-forwarded
// to this machine), which runs the local command and sends back its
// output and exit status.

// proxyInstall links the names to the agent.
func proxyInstall(port string, names []string) error {
	p, err := strconv.Atoi(port)
	if err != nil {
		return fmt.Errorf("port %q: %w", port, err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	data, _ := json.Marshal(syncproto.ProxyConfig{Port: p})
	tmp := syncproto.ProxyConfigFile + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, syncproto.ProxyConfigFile); err != nil {
		return err
	}
	if err := os.MkdirAll(syncproto.ProxyBinDir, 0o755); err != nil {
		return err
	}
	for _, name := range names {
		link := filepath.Join(syncproto.ProxyBinDir, name)
		if fi, err := os.Lstat(link); err == nil && fi.Mode()&os.ModeSymlink == 0 {
			return fmt.Errorf("%s is a program of the container; proxying %s would replace it", link, name)
		}
		os.Remove(link) // an older link of ours
		if err := os.Symlink(self, link); err != nil {
			return err
		}
		if name == syncproto.GitCredentialHelper {
			if err := gitConfigHelper(link); err != nil {
				return fmt.Errorf("git credential helper: %w", err)
			}
		}
	}
	return nil
}

// isProxied says whether the agent was run by a proxied command's name.
func isProxied() bool {
	return !strings.HasPrefix(filepath.Base(os.Args[0]), "devspace-sync-agent")
}

// proxyRun runs the command this agent was called as on devspace's side
// and returns its exit status.
func proxyRun() int {
	name := filepath.Base(os.Args[0])
	if err := proxyCall(name); err != nil {
		var exit exitStatus
		if errors.As(err, &exit) {
			return int(exit)
		}
		fmt.Fprintf(os.Stderr, "%s (proxied by devspace): %v\n", name, err)
		return 255
	}
	return 0
}

type exitStatus int

func (e exitStatus) Error() string { return "exit status " + strconv.Itoa(int(e)) }

func proxyCall(name string) error {
	data, err := os.ReadFile(syncproto.ProxyConfigFile)
	if err != nil {
		return fmt.Errorf("devspace is not running this container's proxy commands: %w", err)
	}
	var cfg syncproto.ProxyConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return err
	}
	conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("devspace does not answer (is dev still running?): %w", err)
	}
	defer conn.Close()
	dir, _ := os.Getwd()
	var wmu sync.Mutex
	call := syncproto.ProxyCall{Command: name, Args: os.Args[1:], Dir: dir, Env: os.Environ()}
	if err := syncproto.WriteJSON(conn, syncproto.ProxyRequest, call); err != nil {
		return err
	}
	go sendInput(conn, &wmu) // not waited for: the exit frame ends the call
	r := bufio.NewReader(conn)
	for {
		typ, payload, err := syncproto.ReadFrame(r)
		if err != nil {
			return fmt.Errorf("the connection to devspace ended: %w", err)
		}
		switch typ {
		case syncproto.ProxyStdout:
			_, _ = os.Stdout.Write(payload)
		case syncproto.ProxyStderr:
			_, _ = os.Stderr.Write(payload)
		case syncproto.ProxyExit:
			code, err := strconv.Atoi(string(payload))
			if err != nil || code == 0 {
				return err
			}
			return exitStatus(code)
		}
	}
}

// sendInput sends stdin in frames, and an empty frame at its end.
func sendInput(w io.Writer, mu *sync.Mutex) {
	buf := make([]byte, 32<<10)
	for {
		n, err := os.Stdin.Read(buf)
		if n > 0 {
			mu.Lock()
			werr := syncproto.WriteFrame(w, syncproto.ProxyStdin, buf[:n])
			mu.Unlock()
			if werr != nil {
				return
			}
		}
		if err != nil {
			mu.Lock()
			_ = syncproto.WriteFrame(w, syncproto.ProxyStdin, nil)
			mu.Unlock()
			return
		}
	}
}
