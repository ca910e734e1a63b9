package main

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/kube/kubetest"
	"github.com/devspace-engine/devspace/testbed"
)

// TestEnterCommand runs commands in a pod without a terminal: output and
// errors on their own streams, the exit code kept, stdin streamed to its
// end, --workdir honoured, the namespace's only pod when nothing selects
// one, and several dev configs refused by name.
func TestEnterCommand(t *testing.T) {
	_, pod := kubetest.SleeperPod(t)
	kubeconfig := testbed.Kube(t).Kubeconfig
	dir := t.TempDir()
	run := func(stdin string, args ...string) (string, string, int) {
		t.Helper()
		return devspaceIn(t, dir, stdin, append([]string{"enter", "--kubeconfig", kubeconfig, "-n", pod.Namespace}, args...)...)
	}

	out, errOut, code := run("", "--pod", pod.Name, "--", "sh", "-c", "echo hi; echo oops >&2; exit 3")
	if out != "hi\n" || !strings.Contains(errOut, "oops") || code != 3 {
		t.Errorf("enter -- sh -c ...: stdout %q, stderr %q, exit %d; want hi, oops, 3", out, errOut, code)
	}
	out, errOut, code = run("line one\nline two\n", "-l", "app=sleeper", "-c", "main", "--", "wc", "-l")
	if strings.TrimSpace(out) != "2" || code != 0 {
		t.Errorf("enter -- wc -l with two lines on stdin: stdout %q, exit %d, stderr %s", out, code, errOut)
	}
	out, errOut, code = run("", "--image-selector", kubetest.Busybox(), "--workdir", "/etc", "--", "pwd")
	if out != "/etc\n" || code != 0 {
		t.Errorf("enter --workdir /etc -- pwd: stdout %q, exit %d, stderr %s", out, code, errOut)
	}
	// No selector and no devspace.yaml: the namespace's only running pod.
	out, errOut, code = run("", "--", "hostname")
	if out != pod.Name+"\n" || code != 0 {
		t.Errorf("enter -- hostname, no selector, no config: stdout %q, exit %d, stderr %s; want %s", out, code, errOut, pod.Name)
	}

	testbed.WriteTree(t, dir, map[string]string{"devspace.yaml": `version: v2beta1
name: enter
dev:
  api:
    labelSelector: {app: sleeper}
  web:
    labelSelector: {app: web}
`})
	_, errOut, code = run("", "--", "true")
	if code == 0 || !strings.Contains(errOut, "several dev configs select pods (api, web)") {
		t.Errorf("enter with two dev configs and no terminal: exit %d, stderr %s", code, errOut)
	}
}

// TestEnterOnTerminal opens a shell at a terminal, in the pod of the
// dev config picked among the config's two: the container's shell prompts, runs a command,
// sees the terminal's size, and its exit code is devspace's.
func TestEnterOnTerminal(t *testing.T) {
	_, pod := kubetest.SleeperPod(t)
	kubeconfig := testbed.Kube(t).Kubeconfig
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{"devspace.yaml": `version: v2beta1
name: enter
dev:
  api:
    labelSelector: {app: nothing}
  worker:
    labelSelector: {app: sleeper}
`})
	term := startOnTerminal(t, dir, "enter", "--kubeconfig", kubeconfig, "-n", pod.Namespace)
	at := term.expect(0, "Which dev config's pod?")
	term.typeKeys(keyDown + keyEnter) // worker
	at = term.expect(at, "# ")        // busybox sh's prompt, as root
	term.typeKeys("echo $((6 * 7)) $(stty size)\r")
	at = term.expect(at, "42 30 100")
	term.typeKeys("exit 5\r")
	err := term.wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 5 {
		t.Fatalf("devspace enter: %v, want exit status 5\n%s", err, term.screen())
	}
	_ = at
}
