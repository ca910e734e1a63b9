package dev

import (
	"context"
	"fmt"

	"github.com/devspace-engine/devspace/dev/replace"
	"github.com/devspace-engine/devspace/dev/restart"
	"github.com/devspace-engine/devspace/kube"
)

// RestartProcess asks the restart helper in pod's container to run the
// container's process again (`devspace restart`); started is true when
// it ran for the first time. A container without the helper is refused
// with restart.ErrNoHelper's advice.
func RestartProcess(ctx context.Context, c *kube.Client, pod kube.Pod) (started bool, err error) {
	return restart.Restart(ctx, c, pod)
}

// Restarted says what RestartProcess did in pod, as `devspace restart`
// prints it.
func Restarted(pod kube.Pod, started bool) string {
	if started {
		return fmt.Sprintf("Started the process in %s", pod)
	}
	return fmt.Sprintf("Restarted the process in %s", pod)
}

// ResetPods restores every workload project replaced in namespace, of
// any dev config (`devspace reset pods`), and returns them as KIND/NAME.
func ResetPods(ctx context.Context, c *kube.Client, namespace, project string) ([]string, error) {
	return replace.Restore(ctx, c, namespace, project, "")
}
