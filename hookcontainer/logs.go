package hookcontainer

import (
	"context"
	"fmt"
	"io"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/kube"
)

// Logs copies the log of the container h selects to out, from its last
// logs.tailLines lines (all without), and follows it until the container
// ends, as DevSpace does: the hook is for jobs and init steps whose output
// would otherwise go unseen. The newest matching pod's container is
// taken once it started (see target); one that already ended qualifies.
func (r *Runner) Logs(ctx context.Context, h *config.Hook, out io.Writer) error {
	switch {
	case h.Logs == nil:
		return fmt.Errorf("%s: no logs", Name(h))
	case h.Container != nil && h.Container.Once != nil && *h.Container.Once:
		// The marker needs a running container; a job's has ended.
		return fmt.Errorf("%s: container.once applies to commands, upload and download, not to logs", Name(h))
	}
	c, pod, ok, err := r.target(ctx, h, started, "started")
	if !ok || err != nil {
		return err
	}
	fmt.Fprintf(r.o.Log, "%s: logs of %s\n", Name(h), pod)
	body, err := kube.Logs(ctx, c, pod, kube.LogOptions{Follow: true, TailLines: h.Logs.TailLines})
	if err != nil {
		return fmt.Errorf("%s: %w", Name(h), err)
	}
	defer body.Close()
	if _, err := io.Copy(out, body); err != nil && ctx.Err() == nil {
		return fmt.Errorf("%s: logs of %s: %w", Name(h), pod, err)
	}
	return ctx.Err()
}

// started accepts a container that runs or ran: it has a log.
func started(c kube.Candidate) bool {
	cs := kube.ContainerStatus(c.Status, c.Container)
	return cs != nil && (cs.State.Running != nil || cs.State.Terminated != nil)
}
