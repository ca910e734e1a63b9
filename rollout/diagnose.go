package rollout

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/devspace-engine/devspace/kube"
)

// Failure says why a workload cannot become ready.
type Failure struct {
	// Reason is short and stable: ImagePullBackOff, ErrImagePull,
	// CrashLoopBackOff, Unschedulable, JobFailed, FailedCreate,
	// ReadinessProbe, Timeout, …
	Reason string `json:"reason"`
	// Message is the cluster's own words (the registry's, the
	// scheduler's, the probe's).
	Message   string `json:"message,omitempty"`
	Pod       string `json:"pod,omitempty"`
	Container string `json:"container,omitempty"`
	Image     string `json:"image,omitempty"`
	ExitCode  *int32 `json:"exitCode,omitempty"`
	// Logs are the last lines of the failing container's log.
	Logs string `json:"logs,omitempty"`
}

func (f *Failure) String() string {
	var b strings.Builder
	b.WriteString(f.Reason)
	if f.Pod != "" {
		fmt.Fprintf(&b, " (pod %s", f.Pod)
		if f.Container != "" {
			fmt.Fprintf(&b, ", container %s", f.Container)
		}
		b.WriteString(")")
	}
	if f.Image != "" {
		fmt.Fprintf(&b, ": image %s", f.Image)
	}
	if f.ExitCode != nil {
		fmt.Fprintf(&b, ": exit code %d", *f.ExitCode)
	}
	if f.Message != "" {
		fmt.Fprintf(&b, ": %s", strings.TrimSpace(f.Message))
	}
	if f.Logs != "" {
		fmt.Fprintf(&b, "\n  last log lines:\n    %s", strings.ReplaceAll(strings.TrimRight(f.Logs, "\n"), "\n", "\n    "))
	}
	return b.String()
}

// pullReasons and startReasons are container waiting reasons that do not
// resolve by themselves; a workload waiting on one fails at once.
var (
	pullReasons  = []string{"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
	startReasons = []string{"CreateContainerConfigError", "CreateContainerError", "RunContainerError"}
)

// podFailure is why pod cannot become ready, nil when it still may. A
// Job's pods that exit non-zero are the Job's to retry (its Failed
// condition decides), so only a bare pod fails on its exit.
func podFailure(pod *corev1.Pod, bare bool) *Failure {
	if pod.DeletionTimestamp != nil {
		return nil
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return &Failure{Reason: "Unschedulable", Message: c.Message, Pod: pod.Name}
		}
	}
	statuses := slices.Concat(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses)
	for _, st := range statuses {
		if f := containerFailure(pod, st, bare); f != nil {
			return f
		}
	}
	if bare && pod.Status.Phase == corev1.PodFailed {
		return &Failure{Reason: "PodFailed", Message: withReason(pod.Status.Reason, pod.Status.Message), Pod: pod.Name}
	}
	return nil
}

func containerFailure(pod *corev1.Pod, st corev1.ContainerStatus, bare bool) *Failure {
	f := &Failure{Pod: pod.Name, Container: st.Name}
	if w := st.State.Waiting; w != nil {
		f.Reason, f.Message = w.Reason, w.Message
		switch {
		case slices.Contains(pullReasons, w.Reason):
			f.Image = st.Image
			return f
		case slices.Contains(startReasons, w.Reason):
			return f
		case w.Reason == "CrashLoopBackOff":
			f.Message = ""
			if t := st.LastTerminationState.Terminated; t != nil {
				f.ExitCode = &t.ExitCode
				f.Message = withReason(t.Reason, t.Message)
			}
			return f
		}
	}
	if t := st.State.Terminated; bare && t != nil && t.ExitCode != 0 && pod.Spec.RestartPolicy == corev1.RestartPolicyNever {
		f.Reason, f.Message, f.ExitCode = "Error", withReason(t.Reason, t.Message), &t.ExitCode
		return f
	}
	return nil
}

// failedContainer is the first container of pod that exited non-zero,
// for a failed Job's log tail.
func failedContainer(pod *corev1.Pod) (string, *int32) {
	for _, st := range slices.Concat(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses) {
		t := st.State.Terminated
		if t == nil {
			t = st.LastTerminationState.Terminated
		}
		if t != nil && t.ExitCode != 0 {
			return st.Name, &t.ExitCode
		}
	}
	return "", nil
}

// unready is a pod's container that runs but is not ready (a readiness
// probe not passing yet), nil when there is none.
func unready(pod *corev1.Pod) *corev1.ContainerStatus {
	if pod.DeletionTimestamp != nil || pod.Status.Phase != corev1.PodRunning {
		return nil
	}
	for i, st := range pod.Status.ContainerStatuses {
		if st.State.Running != nil && !st.Ready && (st.Started == nil || *st.Started) {
			return &pod.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// probeMargin is how much longer than its probe's own budget a running
// container may stay unready before the wait gives up on it: probes run
// late on a busy node.
const probeMargin = 5 * time.Second

// probeFailure is the failure of a running container st of pod whose
// readiness probe has clearly failed: the newest readiness probe failure
// event (msg, at) is about this run of the container, and the container
// has run longer than initialDelaySeconds + failureThreshold ×
// periodSeconds + probeMargin without becoming ready. Kubernetes keeps
// probing such a container for good; a deploy should not wait for that.
func probeFailure(pod *corev1.Pod, st *corev1.ContainerStatus, msg string, at, now time.Time) *Failure {
	if st == nil || st.State.Running == nil || !strings.HasPrefix(msg, "Readiness probe") {
		return nil
	}
	started := st.State.Running.StartedAt.Time
	if at.Before(started) {
		return nil // about an earlier run of the container
	}
	budget, ok := probeBudget(pod, st.Name)
	if !ok || now.Sub(started) < budget+probeMargin {
		return nil
	}
	if strings.HasSuffix(msg, ":") {
		// An exec probe that failed without a word: say what it runs.
		msg += " " + probeCommand(pod, st.Name) + " failed with no output"
	}
	return &Failure{Reason: "ReadinessProbe", Pod: pod.Name, Container: st.Name,
		Message: fmt.Sprintf("%s (still not ready %s after the container started; the probe allows %s: "+
			"if it needs longer to start, raise initialDelaySeconds or failureThreshold, or add a startupProbe)",
			msg, now.Sub(started).Round(time.Second), budget)}
}

// probeCommand is the exec readiness probe's command, quoted, or "the probe".
func probeCommand(pod *corev1.Pod, container string) string {
	for _, c := range pod.Spec.Containers {
		if c.Name == container && c.ReadinessProbe != nil && c.ReadinessProbe.Exec != nil {
			return fmt.Sprintf("%q", strings.Join(c.ReadinessProbe.Exec.Command, " "))
		}
	}
	return "the probe"
}

// probeBudget is how long the container's readiness probe may fail
// before it counts as failed: initialDelaySeconds + failureThreshold ×
// periodSeconds, with Kubernetes' defaults (3 × 10 s).
func probeBudget(pod *corev1.Pod, container string) (time.Duration, bool) {
	for _, c := range pod.Spec.Containers {
		if c.Name != container || c.ReadinessProbe == nil {
			continue
		}
		p := c.ReadinessProbe
		period, threshold := p.PeriodSeconds, p.FailureThreshold
		if period <= 0 {
			period = 10
		}
		if threshold <= 0 {
			threshold = 3
		}
		return time.Duration(p.InitialDelaySeconds+threshold*period) * time.Second, true
	}
	return 0, false
}

// tail is the last lines of a container's log (of its previous run when
// previous), "" when it cannot be read: the failure is reported anyway.
func tail(ctx context.Context, c *kube.Client, ns, pod, container string, lines int64, previous bool) string {
	rc, err := kube.Logs(ctx, c, kube.Pod{Namespace: ns, Name: pod, Container: container},
		kube.LogOptions{TailLines: &lines, Previous: previous})
	if err != nil {
		return ""
	}
	defer rc.Close()
	data, _ := io.ReadAll(io.LimitReader(rc, 64<<10))
	return strings.TrimRight(string(data), "\n")
}

var eventsResource = schema.GroupVersionResource{Version: "v1", Resource: "events"}

// latestEvent is the message of the newest event about the object with
// uid and of reason, "" when there is none, and when it happened.
func latestEvent(ctx context.Context, c *kube.Client, ns, uid, reason string) (string, time.Time) {
	list, err := c.Dynamic().Resource(eventsResource).Namespace(ns).List(ctx, metav1.ListOptions{
		FieldSelector: "involvedObject.uid=" + uid + ",reason=" + reason,
	})
	if err != nil || len(list.Items) == 0 {
		return "", time.Time{}
	}
	newest := slices.MaxFunc(list.Items, func(a, b unstructured.Unstructured) int {
		return strings.Compare(eventTime(a), eventTime(b))
	})
	msg, _, _ := unstructured.NestedString(newest.Object, "message")
	at, _ := time.Parse(time.RFC3339, eventTime(newest))
	return strings.TrimSpace(msg), at
}

// eventTime orders events: RFC 3339 times in UTC compare as strings.
func eventTime(e unstructured.Unstructured) string {
	for _, f := range []string{"lastTimestamp", "eventTime", "firstTimestamp"} {
		if s, _, _ := unstructured.NestedString(e.Object, f); s != "" {
			return s
		}
	}
	return e.GetCreationTimestamp().UTC().Format("2006-01-02T15:04:05Z")
}
