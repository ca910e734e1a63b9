package sshd

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/devspace-engine/devspace/statefile"
)

// stablePort is the local port of host when dev.*.ssh sets none: the one
// it had last time (recorded in ~/.devspace/ssh/ports.json) while that is
// free, so that an IDE's saved connection keeps working; else a free one,
// recorded.
func stablePort(home, host string) (int, error) {
	path := filepath.Join(home, ".devspace", "ssh", "ports.json")
	var port int
	err := statefile.Locked(path, func() error {
		ports := map[string]int{}
		if data, err := os.ReadFile(path); err == nil {
			_ = json.Unmarshal(data, &ports) // a broken record: start afresh
		}
		if p := ports[host]; p > 0 && free(p) {
			port = p
			return nil
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
		ports[host] = port
		data, _ := json.MarshalIndent(ports, "", "  ")
		return statefile.WriteAtomic(path, data)
	})
	if err != nil {
		return 0, fmt.Errorf("pick a local port for ssh %s: %w", host, err)
	}
	return port, nil
}

func free(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}
