package kube

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
)

// PodsResource is the pods resource, for the dynamic client.
var PodsResource = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// Pods returns the dynamic client of the pods in namespace.
func (c *Client) Pods(namespace string) dynamic.ResourceInterface {
	return c.dynamic.Resource(PodsResource).Namespace(namespace)
}

// PodWatch follows one pod (a build pod, a build daemon) through a single
// watch, reopened from the last version seen when the server ends it.
type PodWatch struct {
	pods dynamic.ResourceInterface
	name string
	w    watch.Interface
	last *corev1.Pod
}

// WatchPod starts watching the pod name in namespace from resourceVersion
// ("" for its current state).
func (c *Client) WatchPod(ctx context.Context, namespace, name, resourceVersion string) (*PodWatch, error) {
	pw := &PodWatch{pods: c.Pods(namespace), name: name}
	return pw, pw.open(ctx, resourceVersion)
}

func (pw *PodWatch) open(ctx context.Context, resourceVersion string) error {
	w, err := pw.pods.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + pw.name, ResourceVersion: resourceVersion})
	if err != nil {
		return fmt.Errorf("watch pod %s: %w", pw.name, err)
	}
	pw.w = w
	return nil
}

// Stop ends the watch.
func (pw *PodWatch) Stop() {
	if pw.w != nil {
		pw.w.Stop()
	}
}

// Until reads pod updates until done says the pod is where it should be
// (or fails), the pod is deleted, or ctx ends; it returns the last state.
func (pw *PodWatch) Until(ctx context.Context, done func(*corev1.Pod) (bool, error)) (*corev1.Pod, error) {
	if pw.last != nil {
		if ok, err := done(pw.last); ok || err != nil {
			return pw.last, err
		}
	}
	for {
		select {
		case <-ctx.Done():
			return pw.last, ctx.Err()
		case ev, open := <-pw.w.ResultChan():
			if !open {
				rv := ""
				if pw.last != nil {
					rv = pw.last.ResourceVersion
				}
				if err := pw.open(ctx, rv); err != nil {
					return pw.last, err
				}
				continue
			}
			pod, err := pw.event(ev)
			if err != nil {
				return pw.last, err
			}
			if pod == nil {
				continue
			}
			if ok, err := done(pod); ok || err != nil {
				return pod, err
			}
		}
	}
}

func (pw *PodWatch) event(ev watch.Event) (*corev1.Pod, error) {
	switch ev.Type {
	case watch.Error:
		return nil, fmt.Errorf("watch pod %s: %v", pw.name, ev.Object)
	case watch.Deleted:
		return nil, fmt.Errorf("pod %s was deleted", pw.name)
	case watch.Bookmark:
		return nil, nil
	}
	u, ok := ev.Object.(*unstructured.Unstructured)
	if !ok {
		return nil, nil
	}
	var pod corev1.Pod
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &pod); err != nil {
		return nil, fmt.Errorf("decode pod %s: %w", pw.name, err)
	}
	pw.last = &pod
	return &pod, nil
}

// failFast are the container waiting reasons that will not resolve by
// themselves: a build fails with the kubelet's message at once instead of
// waiting out a timeout (DevSpace #2504 waited 20 minutes).
var failFast = map[string]bool{
	"ErrImagePull":               true,
	"ImagePullBackOff":           true,
	"InvalidImageName":           true,
	"ErrImageNeverPull":          true,
	"CreateContainerConfigError": true,
	"CreateContainerError":       true,
	"RunContainerError":          true,
}

// ContainerStarted says whether the container runs (or already ended),
// and fails with a *StartError when it cannot start.
func ContainerStarted(pod *corev1.Pod, container string) (bool, error) {
	st := ContainerStatus(pod, container)
	switch {
	case pod.Status.Phase == corev1.PodFailed && st == nil:
		return false, fmt.Errorf("pod %s failed: %s", pod.Name, withReason(pod.Status.Reason, pod.Status.Message))
	case st == nil:
		return false, nil
	case st.State.Running != nil, st.State.Terminated != nil:
		return true, nil
	}
	return false, StartFailure(pod, container)
}

// StartFailure is the *StartError of a container that waits for a reason
// that will not resolve by itself, else nil.
func StartFailure(pod *corev1.Pod, container string) error {
	st := ContainerStatus(pod, container)
	if st == nil || st.State.Waiting == nil || !failFast[st.State.Waiting.Reason] {
		return nil
	}
	w := st.State.Waiting
	return &StartError{Pod: pod.Name, Image: st.Image, Reason: w.Reason, Message: w.Message}
}

// ContainerEnded says whether the container terminated.
func ContainerEnded(pod *corev1.Pod, container string) bool {
	st := ContainerStatus(pod, container)
	return st != nil && st.State.Terminated != nil
}

// ContainerStatus is the status of the named container, nil before the
// kubelet reported one.
func ContainerStatus(pod *corev1.Pod, container string) *corev1.ContainerStatus {
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Name == container {
			return &pod.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// StartError says why a pod's container could not start.
type StartError struct {
	Pod, Image, Reason, Message string
}

func (e *StartError) Error() string {
	return fmt.Sprintf("pod %s cannot start: %s", e.Pod, withReason(e.Reason, e.Message))
}

// ImageProblem says whether the image could not be pulled.
func (e *StartError) ImageProblem() bool {
	switch e.Reason {
	case "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull":
		return true
	}
	return false
}

// Unscheduled says why the pod waits for a node, "" when it does not.
func Unscheduled(pod *corev1.Pod) string {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Message != "" {
			return c.Message
		}
	}
	return ""
}

func withReason(reason, message string) string {
	message = strings.TrimSpace(message)
	switch {
	case reason == "":
		return message
	case message == "":
		return reason
	}
	return reason + ": " + message
}
