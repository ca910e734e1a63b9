package dev

import (
	"context"
	"fmt"

	"github.com/devspace-engine/devspace/kube"
)

// The restart helper lets sync restart the container's process without
// restarting the container (onUpload.restartContainer), as DevSpace's
// restart helper does: the replacement runs the original command under a
// small sh loop that starts it again when asked, instead of exiting. It
// is a shell script passed on the command line, so nothing is downloaded
// or copied into the container; the container needs sh and kill.
const (
	restartPIDFile  = "/tmp/.devspace-restart-pid"
	restartFlagFile = "/tmp/.devspace-restart"
	// The files are under $DEVSPACE_RESTART_DIR when set (tests), else /tmp.
	restartHelper = `dir=${DEVSPACE_RESTART_DIR:-/tmp}
while :; do
  "$@" &
  pid=$!
  echo "$pid" > "$dir/.devspace-restart-pid"
  wait "$pid"
  code=$?
  if [ -e "$dir/.devspace-restart" ]; then
    rm -f "$dir/.devspace-restart"
    echo "devspace: restarting the container's process after a sync"
    continue
  fi
  exit "$code"
done`
)

// wrapInRestartHelper replaces command and args with the helper running
// them; command (the container's command, or args alone) must not be
// empty: the image's entrypoint is not known here.
func wrapInRestartHelper(command, args []string) ([]string, []string, error) {
	run := append(append([]string{}, command...), args...)
	if len(run) == 0 {
		return nil, nil, fmt.Errorf("onUpload.restartContainer needs the container's command: set command (and args) in the dev config or the pod spec; the image's entrypoint is not known to devspace")
	}
	return []string{"/bin/sh", "-c", restartHelper, "devspace-restart-helper"}, run, nil
}

// RestartProcess asks the restart helper in the pod's container to start
// the process again, and waits for the request to be taken.
func RestartProcess(ctx context.Context, c *kube.Client, pod Pod) error {
	script := "touch " + restartFlagFile + " && kill $(cat " + restartPIDFile + ")"
	if err := Exec(ctx, c, pod, []string{"sh", "-c", script}, ExecOptions{}); err != nil {
		return fmt.Errorf("restart the process in %s: %w", pod, err)
	}
	return nil
}
