// Package restart is the restart helper of replaced dev pods: Wrap runs
// the container's command under it, and Start and Restart, run by file
// sync, start the process once the first sync is done and run it again
// after uploads.
package restart

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/devspace-engine/devspace/kube"
)

// The restart helper lets sync restart the container's process without
// restarting the container (onUpload.restartContainer), as DevSpace's
// restart helper does: the replacement runs the original command under a
// small sh loop that starts it again when asked, instead of exiting. It
// is a shell script passed on the command line, so nothing is downloaded
// or copied into the container; the container needs sh and kill.
const (
	restartPIDFile   = "/tmp/.devspace-restart-pid"
	restartFlagFile  = "/tmp/.devspace-restart"
	restartStartFile = "/tmp/.devspace-start"
	// The files are under $DEVSPACE_RESTART_DIR when set (tests), else
	// /tmp. The process starts once the first sync is done (the start
	// file), so that it does not run without its files.
	restartHelper = `dir=${DEVSPACE_RESTART_DIR:-/tmp}
echo "devspace: waiting for the initial sync to start the container's process"
while [ ! -e "$dir/.devspace-start" ]; do sleep 0.1; done
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

// ErrNoHelper says the container's process does not run under the
// restart helper, which only replaced dev pods whose sync asks for it get.
var ErrNoHelper = errors.New("the container does not run devspace's restart helper: set startContainer or onUpload.restartContainer on the dev config's sync (the pod is then replaced with the helper)")

// Wrap replaces command and args with the helper running
// them; command (the container's command, or args alone) must not be
// empty: the image's entrypoint is not known here.
func Wrap(command, args []string) ([]string, []string, error) {
	run := append(append([]string{}, command...), args...)
	if len(run) == 0 {
		return nil, nil, fmt.Errorf("sync startContainer and onUpload.restartContainer need the container's command: set command (and args) in the dev config or the pod spec; the image's entrypoint is not known to devspace")
	}
	return []string{"/bin/sh", "-c", restartHelper, "devspace-restart-helper"}, run, nil
}

// restartScript starts the process (first call in a container: it says
// "started") or asks the helper to run it again. It fails (exit 3) when
// the container does not run the helper.
var restartScript = `[ -e ` + restartStartFile + ` ] || { [ -x /proc/1 ] && grep -q devspace-restart-helper /proc/1/cmdline 2>/dev/null || exit 3; touch ` + restartStartFile + ` && echo started && exit 0; }
touch ` + restartFlagFile + ` && kill "$(cat ` + restartPIDFile + `)"`

// startScript only starts the process (the first time in a container).
var startScript = `[ -e ` + restartStartFile + ` ] && exit 0
grep -q devspace-restart-helper /proc/1/cmdline 2>/dev/null || exit 3
touch ` + restartStartFile + ` && echo started`

// Start lets the restart helper start the process held back for
// the initial sync; started is false when it already ran.
func Start(ctx context.Context, c *kube.Client, pod kube.Pod) (started bool, err error) {
	return runRestartScript(ctx, c, pod, startScript)
}

// Restart asks the restart helper in the pod's container to start
// the process (the first time: started is true) or to run it again.
func Restart(ctx context.Context, c *kube.Client, pod kube.Pod) (started bool, err error) {
	return runRestartScript(ctx, c, pod, restartScript)
}

func runRestartScript(ctx context.Context, c *kube.Client, pod kube.Pod, script string) (started bool, err error) {
	var out kube.LockedBuffer
	err = kube.Exec(ctx, c, pod, []string{"sh", "-c", script}, kube.ExecOptions{Stdout: &out})
	var exit *kube.ExitError
	if errors.As(err, &exit) && exit.Code == 3 {
		return false, fmt.Errorf("restart the process in %s: %w", pod, ErrNoHelper)
	}
	if err != nil {
		return false, fmt.Errorf("restart the process in %s: %w", pod, err)
	}
	return strings.TrimSpace(out.String()) == "started", nil
}
