package hookcontainer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/kube"
)

// Exec runs command (the hook's command and args, resolved by the caller)
// in the container h selects, with its output on stdout and stderr. A
// non-zero exit is an error wrapping a *kube.ExitError.
func (r *Runner) Exec(ctx context.Context, h *config.Hook, command []string, stdout, stderr io.Writer) error {
	if len(command) == 0 {
		return fmt.Errorf("%s: no command to run in the container", Name(h))
	}
	c, pod, ok, err := r.target(ctx, h, ready, "running")
	if !ok || err != nil {
		return err
	}
	return r.once(ctx, h, c, pod, append([]string{"exec"}, command...), func() error {
		fmt.Fprintf(r.o.Log, "%s: run %s in %s\n", Name(h), strings.Join(command, " "), pod)
		err := kube.Exec(ctx, c, pod, command, kube.ExecOptions{Stdout: stdout, Stderr: stderr})
		if err != nil {
			return fmt.Errorf("%s: %s in %s: %w", Name(h), strings.Join(command, " "), pod, err)
		}
		return nil
	})
}

// once runs action, unless container.once is set and a marker in the
// container says that this action already ran there; after a successful
// run it leaves the marker. The marker lives in the container's /tmp, as
// DevSpace's does: a new container (a restart, a new pod) runs the action
// again.
func (r *Runner) once(ctx context.Context, h *config.Hook, c *kube.Client, pod kube.Pod, key []string, action func() error) error {
	if h.Container.Once == nil || !*h.Container.Once {
		return action()
	}
	marker := markerPath(key)
	err := kube.Exec(ctx, c, pod, []string{"test", "-e", marker}, kube.ExecOptions{})
	var exit *kube.ExitError
	switch {
	case err == nil:
		fmt.Fprintf(r.o.Log, "%s skipped: it ran in %s before (container.once)\n", Name(h), pod)
		return nil
	case !errors.As(err, &exit):
		return fmt.Errorf("%s: check whether it ran in %s before (container.once): %w", Name(h), pod, err)
	}
	if err := action(); err != nil {
		return err
	}
	// Images built FROM scratch may lack /tmp.
	err = run(ctx, c, pod, kube.ExecOptions{}, "mkdir", "-p", path.Dir(marker))
	if err == nil {
		err = run(ctx, c, pod, kube.ExecOptions{}, "touch", marker)
	}
	if err != nil {
		return fmt.Errorf("%s: remember that it ran in %s (container.once): %w", Name(h), pod, err)
	}
	return nil
}

// markerPath names the marker of one action in a container.
func markerPath(key []string) string {
	sum := sha256.Sum256([]byte(strings.Join(key, "\x00")))
	return "/tmp/devspace-hook-" + hex.EncodeToString(sum[:12])
}
