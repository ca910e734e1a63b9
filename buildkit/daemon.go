package buildkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/devspace-engine/devspace/kube"
)

// readyTimeout bounds the wait for a daemon pod to be ready; image pull
// errors fail at once.
const readyTimeout = 3 * time.Minute

// ensure makes the daemon pod exist with the current settings and be
// ready: it is created on first use, reused while its settings are the
// same (its cache lives as long as the pod), and recreated when they
// changed, unless noCreate/noRecreate say otherwise. log hears what was
// done.
func (d Daemon) ensure(ctx context.Context, c *kube.Client, log io.Writer) error {
	want, err := d.podSpec()
	if err != nil {
		return err
	}
	if err := c.EnsureNamespace(ctx, d.Namespace); err != nil {
		return err
	}
	pods := c.Pods(d.Namespace)
	cur, err := pods.Get(ctx, d.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		if d.Settings.NoCreate {
			return fmt.Errorf("BuildKit daemon pod %s does not exist and buildKit.inCluster.noCreate is set: create it, or unset noCreate", d)
		}
		return d.create(ctx, c, want, log, "Created", "")
	case err != nil:
		return fmt.Errorf("BuildKit daemon pod %s: %w", d, err)
	}
	have := cur.GetAnnotations()[annotationSpec]
	phase, _, _ := unstructured.NestedString(cur.Object, "status", "phase")
	stale := have != want.Annotations[annotationSpec] || cur.GetDeletionTimestamp() != nil ||
		phase == string(corev1.PodFailed) || phase == string(corev1.PodSucceeded)
	if stale && !d.Settings.NoRecreate {
		if err := d.remove(ctx, c, string(cur.GetUID())); err != nil {
			return err
		}
		return d.create(ctx, c, want, log, "Recreated", "; its settings had changed")
	}
	if stale {
		fmt.Fprintf(log, "BuildKit daemon pod %s has other settings; using it as it is (buildKit.inCluster.noRecreate)\n", d)
	}
	var pod corev1.Pod
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(cur.Object, &pod); err == nil && podReady(&pod) {
		return nil // a watch from here would see no change
	}
	return d.waitReady(ctx, c, cur.GetResourceVersion())
}

func (d Daemon) create(ctx context.Context, c *kube.Client, pod *corev1.Pod, log io.Writer, verb, why string) error {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(pod)
	if err != nil {
		return err
	}
	start := time.Now()
	created, err := c.Pods(d.Namespace).Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create the BuildKit daemon pod %s: %w", d, err)
	}
	if err := d.waitReady(ctx, c, created.GetResourceVersion()); err != nil {
		// A daemon that never came up is not left failing in the cluster.
		_ = d.remove(context.WithoutCancel(ctx), c, string(created.GetUID()))
		return err
	}
	fmt.Fprintf(log, "%s BuildKit daemon pod %s (%s, ready in %.1fs)%s\n", verb, d, pod.Spec.Containers[0].Image, time.Since(start).Seconds(), why)
	return nil
}

// remove deletes the old daemon pod and waits until it is gone, so that
// the new one can take its name.
func (d Daemon) remove(ctx context.Context, c *kube.Client, uid string) error {
	ref := kube.Ref{APIVersion: "v1", Kind: "Pod", Namespace: d.Namespace, Name: d.Name, UID: uid}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := c.Delete(ctx, ref, true); err != nil && !errors.Is(err, kube.ErrReplaced) {
		return fmt.Errorf("delete the old BuildKit daemon pod %s: %w", d, err)
	}
	return nil
}

// waitReady waits for the pod's readiness probe (buildctl answering on
// the socket), failing at once when the container cannot start.
func (d Daemon) waitReady(ctx context.Context, c *kube.Client, resourceVersion string) error {
	ctx, cancel := context.WithTimeoutCause(ctx, readyTimeout, fmt.Errorf("BuildKit daemon pod %s was not ready within %s", d, readyTimeout))
	defer cancel()
	pw, err := c.WatchPod(ctx, d.Namespace, d.Name, resourceVersion)
	if err != nil {
		return err
	}
	defer pw.Stop()
	_, err = pw.Until(ctx, func(p *corev1.Pod) (bool, error) {
		if err := kube.StartFailure(p, containerName); err != nil {
			return false, err
		}
		if st := kube.ContainerStatus(p, containerName); st != nil && st.State.Terminated != nil && st.RestartCount > 2 {
			return false, fmt.Errorf("buildkitd keeps exiting in pod %s (exit code %d, %d restarts): see its log", d, st.State.Terminated.ExitCode, st.RestartCount)
		}
		return podReady(p), nil
	})
	var se *kube.StartError
	switch {
	case errors.As(err, &se) && se.ImageProblem():
		return fmt.Errorf("BuildKit daemon %w; check buildKit.inCluster.image (%s) and that the cluster's nodes can pull it", err, se.Image)
	case err != nil && ctx.Err() != nil && context.Cause(ctx) != ctx.Err():
		return context.Cause(ctx)
	case err != nil:
		return fmt.Errorf("BuildKit daemon: %w", err)
	}
	return nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
