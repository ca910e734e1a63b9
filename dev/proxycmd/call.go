package proxycmd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/devspace-engine/devspace/dev/syncproto"
)

// serveCall runs one call from the container.
func serveCall(ctx context.Context, conn net.Conn, cfg Config, log io.Writer) {
	r := bufio.NewReader(conn)
	out := &frames{w: conn}
	typ, payload, err := syncproto.ReadFrame(r)
	var call syncproto.ProxyCall
	if err == nil && typ == syncproto.ProxyRequest {
		err = json.Unmarshal(payload, &call)
	} else if err == nil {
		err = fmt.Errorf("frame %q where a request was due", typ)
	}
	if err != nil {
		fmt.Fprintf(log, "proxy commands: %v\n", err)
		return
	}
	code := run(ctx, r, out, cfg, call)
	out.write(syncproto.ProxyExit, []byte(strconv.Itoa(code)))
}

// run runs the call's local command and returns its exit status.
func run(ctx context.Context, in *bufio.Reader, out *frames, cfg Config, call syncproto.ProxyCall) int {
	if cfg.GitCredentials && call.Command == syncproto.GitCredentialHelper {
		return gitCredential(ctx, in, out, cfg.localDir(call.Dir), call.Args)
	}
	var command *Command
	for i := range cfg.Commands {
		if cfg.Commands[i].Name == call.Command {
			command = &cfg.Commands[i]
		}
	}
	if command == nil {
		out.write(syncproto.ProxyStderr, []byte("devspace: "+call.Command+" is not one of this container's proxyCommands\n"))
		return 127
	}
	cmd := exec.CommandContext(ctx, command.Local[0], append(command.Local[1:], call.Args...)...)
	cmd.Dir = cfg.localDir(call.Dir)
	cmd.Env = os.Environ()
	if !command.SkipContainerEnv {
		cmd.Env = append(cmd.Env, containerEnv(call.Env)...) // later entries win
	}
	cmd.Stdout = writerOf(out, syncproto.ProxyStdout)
	cmd.Stderr = writerOf(out, syncproto.ProxyStderr)
	stdin, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		out.write(syncproto.ProxyStderr, []byte(fmt.Sprintf("devspace: run %s here: %v\n", command.Local[0], err)))
		return 127
	}
	go feed(stdin, in) // not waited for: input that never ends must not hold the call
	err = cmd.Wait()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return exit.ExitCode()
	case err != nil:
		return 128 + 9 // killed
	}
	return 0
}

// feed copies the input frames to stdin, closing it at the empty one.
func feed(stdin io.WriteCloser, in *bufio.Reader) {
	defer stdin.Close()
	for {
		typ, payload, err := syncproto.ReadFrame(in)
		if err != nil || typ != syncproto.ProxyStdin || len(payload) == 0 {
			return
		}
		if _, err := stdin.Write(payload); err != nil {
			return
		}
	}
}

// localDir maps the container's working directory through the longest
// sync path that holds it; else the default directory.
func (cfg Config) localDir(dir string) string {
	best, local := -1, cfg.DefaultDir
	for _, m := range cfg.Dirs {
		remote := strings.TrimSuffix(m.Remote, "/")
		rel, ok := strings.CutPrefix(dir, remote)
		if !ok || (rel != "" && !strings.HasPrefix(rel, "/")) || len(remote) <= best {
			continue
		}
		best, local = len(remote), filepath.Join(m.Local, filepath.FromSlash(rel))
	}
	return local
}

// containerEnv is the container's environment less what describes the
// container itself and would mislead a command here.
func containerEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "PATH", "HOME", "PWD", "OLDPWD", "SHLVL", "HOSTNAME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TERM", "_":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// frames writes whole frames from several goroutines.
type frames struct {
	mu sync.Mutex
	w  io.Writer
}

func (f *frames) write(typ byte, p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return syncproto.WriteFrame(f.w, typ, p)
}

// writerOf is the stream of one frame type.
func writerOf(f *frames, typ byte) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		if err := f.write(typ, p); err != nil {
			return 0, err
		}
		return len(p), nil
	})
}

type writerFunc func([]byte) (int, error)

func (w writerFunc) Write(p []byte) (int, error) { return w(p) }
