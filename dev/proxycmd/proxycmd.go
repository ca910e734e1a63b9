// Package proxycmd runs dev.*.proxyCommands: commands run in the dev
// container that execute on this machine. The sync agent links each
// command's name to itself in the container; run by that name, it calls
// devspace over a reverse-forwarded port (package ports), and devspace
// runs the local command here with the arguments, input, environment and
// working directory (mapped through the syncs) it was given, sending back
// its output and exit status (package syncproto).
package proxycmd

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/devspace-engine/devspace/dev/agent"
	"github.com/devspace-engine/devspace/dev/ports"
	"github.com/devspace-engine/devspace/dev/syncproto"
	"github.com/devspace-engine/devspace/kube"
)

// Command is one proxied command.
type Command struct {
	Name  string   // its name in the container (command)
	Local []string // what runs here, arguments appended (localCommand)
	// SkipContainerEnv runs it with this machine's environment only.
	SkipContainerEnv bool
}

// DirMap maps a directory of the container to one here (a sync's paths).
type DirMap struct{ Remote, Local string }

// Config is one container's proxy commands.
type Config struct {
	Commands []Command
	Dirs     []DirMap
	// DefaultDir is where commands run whose directory no sync maps (the
	// project's directory).
	DefaultDir string
	// Key tells this container's port in the pod from its siblings'.
	Key string
	// GitCredentials makes the container's git ask this machine's git for
	// credentials (a proxy command's gitCredentials).
	GitCredentials bool
}

// remotePort is the port the agent calls devspace on in the container:
// fixed for a container, apart from its pod's other containers (they
// share the network), away from the usual service ports.
func (cfg Config) remotePort() int {
	h := fnv.New32a()
	h.Write([]byte(cfg.Key))
	return 41000 + int(h.Sum32()%4000)
}

// Serve answers the container's calls until ctx ends. started gets one
// value: nil once the commands are linked and the port forwarded in the
// first pod, or why not.
func Serve(ctx context.Context, c *kube.Client, next func(context.Context) (kube.Pod, error), cfg Config, a *agent.Agent, log io.Writer, started chan<- error) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		started <- err
		return fmt.Errorf("proxy commands: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		<-ctx.Done()
		l.Close()
	})
	wg.Go(func() { accept(ctx, l, cfg, log) })
	names := make([]string, len(cfg.Commands))
	for i, cmd := range cfg.Commands {
		names[i] = cmd.Name
	}
	if cfg.GitCredentials {
		names = append(names, syncproto.GitCredentialHelper)
	}
	remote := cfg.remotePort()
	// Each pod the forward moves to gets the links first.
	installed := func(ctx context.Context) (kube.Pod, error) {
		pod, err := next(ctx)
		if err != nil {
			return pod, err
		}
		return pod, install(ctx, c, pod, a, remote, names)
	}
	mapping := ports.PortMapping{Local: l.Addr().(*net.TCPAddr).Port, Remote: remote, BindAddress: "127.0.0.1"}
	return ports.ReverseForward(ctx, c, installed, []ports.PortMapping{mapping}, a, log, started)
}

// install links names to the agent in pod.
func install(ctx context.Context, c *kube.Client, pod kube.Pod, a *agent.Agent, port int, names []string) error {
	path, err := a.Ensure(ctx, c, pod)
	if err != nil {
		return err
	}
	var stderr kube.LockedBuffer
	cmd := append([]string{path, "proxy-install", strconv.Itoa(port)}, names...)
	if err := kube.Exec(ctx, c, pod, cmd, kube.ExecOptions{Stderr: &stderr}); err != nil {
		return fmt.Errorf("proxy commands %s in %s: %w %s", strings.Join(names, ", "), pod, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func accept(ctx context.Context, l net.Listener, cfg Config, log io.Writer) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				fmt.Fprintf(log, "proxy commands: %v\n", err)
			}
			return
		}
		wg.Go(func() {
			defer conn.Close()
			stop := context.AfterFunc(ctx, func() { conn.Close() })
			defer stop()
			serveCall(ctx, conn, cfg, log)
		})
	}
}
