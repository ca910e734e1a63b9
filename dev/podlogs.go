package dev

import (
	"context"
	"fmt"
	"io"

	"github.com/devspace-engine/devspace/kube"
)

// PodLogs prints the last lines of pod's container log to w (all of it
// when lines <= 0). With follow it goes on until ctx ends, with the new
// pod that sel selects when pod is replaced.
func PodLogs(ctx context.Context, c *kube.Client, pod kube.Pod, sel kube.Selector, lines int, follow bool, w io.Writer) error {
	if follow {
		first := true
		next := func(ctx context.Context) (kube.Pod, error) {
			if first {
				first = false
				return pod, nil
			}
			return kube.WaitPod(ctx, c, sel)
		}
		return StreamLogs(ctx, c, next, max(lines, 0), w)
	}
	opts := kube.LogOptions{}
	if lines > 0 {
		n := int64(lines)
		opts.TailLines = &n
	}
	r, err := kube.Logs(ctx, c, pod, opts)
	if err != nil {
		return err
	}
	defer r.Close()
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("logs of %s: %w", pod, err)
	}
	return nil
}
