package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
	"github.com/devspace-engine/devspace/testbed"
)

// TestProxyCommands runs a dev session whose container proxies
// `hostecho` to a script on this machine: run in the container under the
// sync path, with arguments, input and a variable, it runs here in the
// synced local directory, and its output, error output and exit status
// come back. Its gitCredentials puts a git credential helper into the
// container whose `get` is answered by this machine's git (a `store`
// helper under a test HOME here).
func TestProxyCommands(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	kubeconfig := testbed.Kube(t).Kubeconfig
	dir := t.TempDir()
	script := filepath.Join(dir, "hostecho.sh")
	testbed.WriteTree(t, dir, map[string]string{
		"src/sub/keep": "",
		"devspace.yaml": sleeperDevProject("proxy", fmt.Sprintf(`    sync:
      - path: ./src:/app
    proxyCommands:
      - command: hostecho
        localCommand: %s
        gitCredentials: true
`, script))})
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"pwd=$(pwd) args=$* in=$(cat) var=$FROM_CONTAINER\"\necho oops >&2\nexit 7\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(binDir, "devspace"), "run-pipeline", "devp", "--kubeconfig", kubeconfig, "-n", ns)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+gitCredentialHome(t), "GIT_CONFIG_NOSYSTEM=1", "XDG_CONFIG_HOME=")
	var out testbed.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	pod := waitPodOrLog(t, c, kube.Selector{Namespace: ns, LabelSelector: map[string]string{"app": "app"}}, &out)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	waitOutput(t, ctx, &out, `reverse port forwarding: 127\.0\.0\.1:`)
	stdout, stderr, err := kubetest.Exec(t, c, pod, "sh", "-c", "cd /app/sub && echo piped | FROM_CONTAINER=yes hostecho a 'b c'")
	want := fmt.Sprintf("pwd=%s args=a b c in=piped var=yes\n", filepath.Join(dir, "src", "sub"))
	var exit *kube.ExitError
	if stdout != want || stderr != "oops\n" || !errors.As(err, &exit) || exit.Code != 7 {
		t.Errorf("hostecho in the container: stdout %q, stderr %q, %v\nwant stdout %q, oops, exit code 7\ndev output:\n%s", stdout, stderr, err, want, out.String())
	}
	checkGitCredentialHelper(t, c, pod)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

// gitCredentialHome is a HOME whose git keeps one credential for
// https://example.test in a `store` helper.
func gitCredentialHome(t *testing.T) string {
	home := t.TempDir()
	testbed.WriteTree(t, home, map[string]string{
		".gitconfig":       "[credential]\n\thelper = store\n",
		".git-credentials": "https://user:secret@example.test\n",
	})
	return home
}

// checkGitCredentialHelper checks that the container's ~/.gitconfig names
// the helper and that the helper's `get` answers with this machine's
// credential (busybox has no git: the helper is run as git would). The
// answer is not logged: it holds the password.
func checkGitCredentialHelper(t *testing.T, c *kube.Client, pod kube.Pod) {
	t.Helper()
	const helper = "/usr/local/bin/devspace-git-credential"
	gitconfig, _, err := kubetest.Exec(t, c, pod, "sh", "-c", "cat ~/.gitconfig")
	if err != nil || !strings.Contains(gitconfig, "[credential]") || !strings.Contains(gitconfig, "helper = "+helper) {
		t.Errorf("~/.gitconfig in the container (%v):\n%s\nwant a [credential] section with helper = %s", err, gitconfig, helper)
	}
	answer, stderr, err := kubetest.Exec(t, c, pod, "sh", "-c", "printf 'protocol=https\\nhost=example.test\\n\\n' | "+helper+" get")
	if err != nil || !strings.Contains(answer, "username=user\n") || !strings.Contains(answer, "password=secret\n") {
		t.Errorf("%s get in the container: %v, stderr %q, answer has username=user: %v, password=secret: %v", helper, err, stderr,
			strings.Contains(answer, "username=user\n"), strings.Contains(answer, "password=secret\n"))
	}
	answer, _, err = kubetest.Exec(t, c, pod, "sh", "-c", "printf 'protocol=https\\nhost=example.test\\nusername=u\\npassword=p\\n\\n' | "+helper+" store")
	if err != nil || answer != "" {
		t.Errorf("%s store in the container: %v, %d bytes of answer; want none", helper, err, len(answer))
	}
}
