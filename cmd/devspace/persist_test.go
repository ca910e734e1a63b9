package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
	"github.com/devspace-engine/devspace/testbed"
)

// TestPersistPaths runs a dev session whose replaced pod keeps /bin
// (seeded from the image) and /data (empty) on a volume claim: the
// container still runs its shell from the seeded /bin, a file written
// there survives the pod's deletion, and `devspace reset pods` deletes
// the claim devspace created. The test bed has no volume provisioner, so
// the test makes the persistent volume the claim binds to.
func TestPersistPaths(t *testing.T) {
	c, ns := kubetest.Cluster(t)
	kubeconfig := testbed.Kube(t).Kubeconfig
	class := "persist-" + ns
	pv := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "PersistentVolume", "metadata": map[string]any{"name": class},
		"spec": map[string]any{
			"storageClassName": class, "capacity": map[string]any{"storage": "1Gi"},
			"accessModes": []any{"ReadWriteOnce"},
			"hostPath":    map[string]any{"path": filepath.Join(os.TempDir(), "devspace-"+class), "type": "DirectoryOrCreate"},
		},
	}}
	kubetest.Apply(t, c, "", pv)
	t.Cleanup(func() {
		_ = c.Delete(context.Background(), kube.Ref{APIVersion: "v1", Kind: "PersistentVolume", Name: class}, false)
		os.RemoveAll(filepath.Join(os.TempDir(), "devspace-"+class))
	})
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{"devspace.yaml": sleeperDevProject("persist", fmt.Sprintf(`    persistPaths:
      - path: /bin
      - path: /data
        skipPopulate: true
    persistenceOptions:
      size: 1Gi
      storageClassName: %s
`, class))})
	cmd := exec.Command(filepath.Join(binDir, "devspace"), "run-pipeline", "devp", "--kubeconfig", kubeconfig, "-n", ns)
	cmd.Dir = dir
	var out testbed.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sel := kube.Selector{Namespace: ns, LabelSelector: map[string]string{"devspace.sh/dev-copy": "app-devspace"}}
	pod := waitPodOrLog(t, c, sel, &out)
	kubetest.Sh(t, c, pod, "echo kept > /bin/marker && ls /data")
	kubetest.DeletePod(t, c, pod)
	pod = waitPodOrLog(t, c, sel, &out)
	if got := strings.TrimSpace(kubetest.Sh(t, c, pod, "cat /bin/marker; ls /bin/sh")); got != "kept\n/bin/sh" {
		t.Errorf("after the pod was deleted, /bin holds %q; want the marker and the image's sh", got)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	stdout, errOut, code := devspaceIn(t, dir, "", "reset", "pods", "--kubeconfig", kubeconfig, "-n", ns)
	if code != 0 || !strings.Contains(stdout, "Restored") {
		t.Fatalf("reset pods: exit %d, stdout %q, stderr %s", code, stdout, errOut)
	}
	claim, err := c.Get(context.Background(), kube.Ref{APIVersion: "v1", Kind: "PersistentVolumeClaim", Namespace: ns, Name: "app-devspace"})
	if err != nil {
		t.Fatal(err)
	}
	if claim != nil && claim.GetDeletionTimestamp() == nil {
		t.Errorf("the volume claim app-devspace is still there after reset pods")
	}
}

// waitPodOrLog waits for a running pod sel selects, failing with the
// dev session's output when none comes.
func waitPodOrLog(t *testing.T, c *kube.Client, sel kube.Selector, out *testbed.SyncBuffer) kube.Pod {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	pod, err := kube.WaitPod(ctx, c, sel)
	if err != nil {
		pods, _ := c.Pods(sel.Namespace).List(context.Background(), metav1.ListOptions{})
		var states []string
		if pods != nil {
			for _, p := range pods.Items {
				st, _, _ := unstructured.NestedFieldCopy(p.Object, "status")
				states = append(states, fmt.Sprintf("%s: %v", p.GetName(), st))
			}
		}
		t.Fatalf("no pod for %v: %v\ndev output:\n%s\npods:\n%s", sel, err, out.String(), strings.Join(states, "\n"))
	}
	return pod
}
