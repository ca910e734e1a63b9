package agent

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/kube"
)

// ArchOf maps what `uname -m` prints, or a node's
// status.nodeInfo.architecture (GOARCH names), to one of Arches; any
// other architecture is refused, naming it.
func ArchOf(machine string) (string, error) {
	switch machine {
	case "x86_64", "amd64":
		return "amd64", nil
	case "aarch64", "arm64":
		return "arm64", nil
	}
	return "", unknownArch(machine)
}

// detect finds the architecture of pod's container, and says how.
//
// `uname -m` in the container comes first: it needs only the exec that
// installing the agent needs anyway (no permission to read nodes, which
// namespaced users often lack), and it answers for the container itself,
// so that in an emulated container (an amd64 image on an arm64 node
// through binfmt or Rosetta) the agent runs the way the container's own
// programs do. An image without uname falls back to the node's
// architecture.
func detect(ctx context.Context, c *kube.Client, pod kube.Pod) (arch, how string, err error) {
	var stdout, stderr kube.LockedBuffer
	unameErr := kube.Exec(ctx, c, pod, []string{"uname", "-m"}, kube.ExecOptions{Stdout: &stdout, Stderr: &stderr})
	if unameErr == nil {
		machine := strings.TrimSpace(stdout.String())
		arch, err := ArchOf(machine)
		if err != nil {
			return "", "", fmt.Errorf("%s (uname -m in %s): %w", machine, pod, err)
		}
		return arch, "uname -m says " + machine, nil
	}
	if ctx.Err() != nil {
		return "", "", ctx.Err()
	}
	node, machine, nodeErr := nodeArch(ctx, c, pod)
	if nodeErr != nil {
		return "", "", fmt.Errorf("find the architecture of %s: uname -m: %v %s; its node: %v; set dev.*.arch (amd64 or arm64)",
			pod, unameErr, strings.TrimSpace(stderr.String()), nodeErr)
	}
	arch, err = ArchOf(machine)
	if err != nil {
		return "", "", fmt.Errorf("%s (node %s of %s): %w", machine, node, pod, err)
	}
	return arch, "node " + node + " is " + machine, nil
}

// nodeArch reads the node pod runs on and its architecture.
func nodeArch(ctx context.Context, c *kube.Client, pod kube.Pod) (node, arch string, err error) {
	p, err := c.Get(ctx, kube.Ref{APIVersion: "v1", Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name})
	if err != nil {
		return "", "", err
	}
	node, _, _ = unstructured.NestedString(p.Object, "spec", "nodeName")
	if node == "" {
		return "", "", fmt.Errorf("pod %s/%s is on no node yet", pod.Namespace, pod.Name)
	}
	n, err := c.Get(ctx, kube.Ref{APIVersion: "v1", Kind: "Node", Name: node})
	if err != nil {
		return "", "", err
	}
	arch, _, _ = unstructured.NestedString(n.Object, "status", "nodeInfo", "architecture")
	if arch == "" {
		return "", "", fmt.Errorf("node %s reports no architecture", node)
	}
	return node, arch, nil
}
