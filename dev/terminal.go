package dev

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/devspace-engine/devspace/kube"
)

// TerminalConfig is an interactive shell in the dev container.
type TerminalConfig struct {
	// Command runs through sh -c; empty means bash when the container has
	// it, else sh.
	Command string
	WorkDir string
	// TTY allocates a terminal in the container (disableTTY turns it off).
	TTY bool
	// Stdin, Stdout are the user's; when Stdin is a terminal it is put in
	// raw mode for the session and its size follows the window.
	Stdin  io.Reader
	Stdout io.Writer
	// Attach connects to the container's main process instead of
	// starting a shell (dev.*.attach).
	Attach bool
}

// shellCommand is what the terminal runs in the container.
func (t TerminalConfig) shellCommand() []string {
	script := t.Command
	if script == "" {
		script = "command -v bash >/dev/null 2>&1 && exec bash || exec sh"
	}
	if t.WorkDir != "" {
		script = "cd '" + t.WorkDir + "' && " + script
	}
	return []string{"sh", "-c", script}
}

// Terminal runs the shell in the pod next returns and returns when it
// exits (its exit code as a *kube.ExitError) or ctx ends.
func Terminal(ctx context.Context, c *kube.Client, next func(context.Context) (kube.Pod, error), t TerminalConfig) error {
	pod, err := next(ctx)
	if err != nil {
		return err
	}
	held, cancel := context.WithCancel(ctx)
	defer cancel()
	// The end of piped input must not hang up the remote terminal before
	// the command has answered: the session lasts until the command exits,
	// as it does when a person types.
	opts := kube.ExecOptions{Stdin: holdOpen{r: t.Stdin, ctx: held}, Stdout: t.Stdout, Stderr: t.Stdout, TTY: t.TTY}
	if f, ok := t.Stdin.(*os.File); ok && t.TTY && term.IsTerminal(int(f.Fd())) {
		restore, sizes, err := rawTerminal(ctx, f)
		if err != nil {
			return err
		}
		defer restore()
		opts.Resize = sizes
	}
	if t.Attach {
		err = kube.Attach(ctx, c, pod, opts)
	} else {
		err = kube.Exec(ctx, c, pod, t.shellCommand(), opts)
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// rawTerminal puts f in raw mode and reports its size now and on every
// SIGWINCH until ctx ends or restore is called.
func rawTerminal(ctx context.Context, f *os.File) (restore func(), sizes <-chan kube.TerminalSize, err error) {
	fd := int(f.Fd())
	state, err := term.MakeRaw(fd)
	if err != nil {
		return nil, nil, errors.Join(errors.New("put the terminal in raw mode"), err)
	}
	ch := make(chan kube.TerminalSize, 1)
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	stop := make(chan struct{})
	done := make(chan struct{})
	send := func() {
		if w, h, err := term.GetSize(fd); err == nil {
			select {
			case ch <- kube.TerminalSize{Width: uint16(w), Height: uint16(h)}:
			default:
			}
		}
	}
	send()
	go func() {
		defer close(done)
		for {
			select {
			case <-winch:
				send()
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		signal.Stop(winch)
		close(stop)
		<-done
		_ = term.Restore(fd, state)
	}, ch, nil
}

// holdOpen reads r, and at its end waits for ctx before reporting EOF.
type holdOpen struct {
	r   io.Reader
	ctx context.Context
}

func (h holdOpen) Read(p []byte) (int, error) {
	if h.r == nil {
		<-h.ctx.Done()
		return 0, io.EOF
	}
	n, err := h.r.Read(p)
	if errors.Is(err, io.EOF) && n == 0 {
		<-h.ctx.Done()
	}
	return n, err
}
