package rollout

import (
	"context"
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/devspace-engine/devspace/kube"
)

// analyzed are the workload kinds Analyze lists, in the order it reports
// them.
var analyzed = []schema.GroupKind{
	{Group: "apps", Kind: "Deployment"}, {Group: "apps", Kind: "StatefulSet"}, {Group: "apps", Kind: "DaemonSet"},
	{Group: "apps", Kind: "ReplicaSet"}, {Group: "batch", Kind: "Job"}, {Group: "", Kind: "Pod"},
}

// Workloads lists the namespace's workloads that no other workload
// controls: a Deployment but not its ReplicaSets, a Job but not its pods,
// a bare Pod (or one of a controller that is not a workload kind here).
// Each comes with the object as read.
func Workloads(ctx context.Context, c *kube.Client, ns string) ([]Workload, error) {
	var ws []Workload
	for _, gk := range analyzed {
		gvr := gk.WithVersion("v1").GroupVersion().WithResource(resources[gk])
		list, err := c.Dynamic().Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("list %s in namespace %s: %w", gvr.Resource, ns, err)
		}
		for i := range list.Items {
			obj := &list.Items[i]
			if owner := metav1.GetControllerOf(obj); owner != nil && IsWorkload(owner.APIVersion, owner.Kind) {
				continue // its controller's problems are its own
			}
			ws = append(ws, Workload{Seen: obj, Ref: kube.Ref{APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(),
				Namespace: ns, Name: obj.GetName(), UID: string(obj.GetUID())}})
		}
	}
	return ws, nil
}

// Analyze reports every workload of the namespace that is not ready, with
// the reason a deploy's wait gives (Wait, each workload on its own): one
// that is still starting is waited for up to timeout (and then reported
// as not ready in time), one that cannot become ready is reported at
// once. No problems is an empty list.
func Analyze(ctx context.Context, c *kube.Client, ns string, timeout time.Duration) ([]Result, error) {
	ws, err := Workloads(ctx, c, ns)
	if err != nil {
		return nil, err
	}
	results, err := Wait(ctx, c, ws, Options{Timeout: timeout, KeepGoing: true})
	var failed *Error
	if err != nil && !errors.As(err, &failed) {
		return nil, err
	}
	problems := []Result{}
	for _, r := range results {
		if r.Failure != nil {
			problems = append(problems, r)
		}
	}
	return problems, nil
}
