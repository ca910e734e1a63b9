package main

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
	"github.com/devspace-engine/devspace/testbed"
)

// TestLogs prints the last --lines of a container's log, and with -f
// goes on with new lines, and with the new pod once the pod is replaced.
func TestLogs(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	kubetest.Apply(t, c, ns, kubetest.CounterDeployment("counter"))
	sel := kube.Selector{Namespace: ns, LabelSelector: map[string]string{"app": "counter"}}
	pod := kubetest.WaitPod(t, c, sel)
	time.Sleep(time.Second) // a few lines logged
	kubeconfig := testbed.Kube(t).Kubeconfig
	devspace := func(args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(binDir, "devspace"), append([]string{"logs", "--kubeconfig", kubeconfig, "-n", ns}, args...)...)
		cmd.Dir = t.TempDir()
		return cmd
	}

	out, err := devspace("-l", "app=counter", "--lines", "3").CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err != nil || len(lines) != 3 || !strings.HasPrefix(lines[0], pod.Name+" line ") {
		t.Fatalf("logs --lines 3: %v, want 3 lines of %s:\n%s", err, pod.Name, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := devspace("-l", "app=counter", "-c", "counter", "-f", "--lines", "1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	context.AfterFunc(ctx, func() { _ = cmd.Process.Kill() })
	scan := bufio.NewScanner(stdout)
	line := regexp.MustCompile(`^(\S+) line (\d+)$`)
	seen := 0
	for scan.Scan() && seen < 5 { // lines go on coming from the first pod
		if m := line.FindStringSubmatch(scan.Text()); m == nil || m[1] != pod.Name {
			t.Fatalf("logs -f: line %q, want lines of %s", scan.Text(), pod.Name)
		}
		seen++
	}
	kubetest.DeletePod(t, c, pod)
	for scan.Scan() {
		if m := line.FindStringSubmatch(scan.Text()); m != nil && m[1] != pod.Name {
			return // the replacement's log
		}
	}
	t.Fatalf("logs -f never showed the new pod's lines (%v)", ctx.Err())
}
