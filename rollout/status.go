package rollout

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// progress is where a workload's rollout stands, read from the workload
// object alone (its pods are diagnosed separately, see diagnose).
type progress struct {
	// ready: rolled out and ready (a Job: complete; a Pod: ready or done).
	ready bool
	// line is the status shown while waiting, e.g. "2/3 ready".
	line string
	// failure is set when the controller itself reports that the rollout
	// cannot go on (progress deadline, ReplicaFailure, a failed Job).
	failure *Failure
	// selector chooses the workload's pods; nil for a bare Pod.
	selector labels.Selector
	// revision is a Deployment's current revision: only pods of the
	// ReplicaSet with it are diagnosed (old pods may well be crashing).
	revision string
}

// revisionAnnotation is set by the Deployment controller on a Deployment
// and its ReplicaSets.
const revisionAnnotation = "deployment.kubernetes.io/revision"

// evaluate reads a workload's status.
func evaluate(obj *unstructured.Unstructured) (progress, error) {
	switch obj.GetKind() {
	case "Deployment":
		return typed(obj, deploymentProgress)
	case "StatefulSet":
		return typed(obj, statefulSetProgress)
	case "DaemonSet":
		return typed(obj, daemonSetProgress)
	case "ReplicaSet":
		return typed(obj, replicaSetProgress)
	case "Job":
		return typed(obj, jobProgress)
	case "Pod":
		return typed(obj, func(p *corev1.Pod) (progress, error) { return podProgress(p), nil })
	}
	return progress{}, fmt.Errorf("%s is not a workload", obj.GetKind())
}

// typed decodes obj as its kind's type T and reads its progress.
func typed[T any](obj *unstructured.Unstructured, read func(*T) (progress, error)) (progress, error) {
	var v T
	if err := convert(obj, &v); err != nil {
		return progress{}, err
	}
	return read(&v)
}

func convert(obj *unstructured.Unstructured, into any) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, into); err != nil {
		return fmt.Errorf("decode %s/%s: %w", obj.GetKind(), obj.GetName(), err)
	}
	return nil
}

func selectorOf(ls *metav1.LabelSelector) (labels.Selector, error) {
	if ls == nil {
		return labels.Nothing(), nil
	}
	return metav1.LabelSelectorAsSelector(ls)
}

func replicas(n *int32) int32 {
	if n == nil {
		return 1
	}
	return *n
}

// seen says whether the controller has acted on the latest spec.
func seen(meta metav1.ObjectMeta, observed int64, sel labels.Selector) (progress, bool) {
	if observed < meta.Generation {
		return progress{line: "waiting for its controller", selector: sel}, false
	}
	return progress{}, true
}

// deploymentProgress follows `kubectl rollout status`: every replica
// updated, no old one left, every updated one available.
func deploymentProgress(d *appsv1.Deployment) (progress, error) {
	sel, err := selectorOf(d.Spec.Selector)
	if err != nil {
		return progress{}, err
	}
	if p, ok := seen(d.ObjectMeta, d.Status.ObservedGeneration, sel); !ok {
		return p, nil
	}
	want, st := replicas(d.Spec.Replicas), d.Status
	p := progress{selector: sel, revision: d.Annotations[revisionAnnotation],
		line: fmt.Sprintf("%d/%d ready", st.ReadyReplicas, want)}
	for _, c := range st.Conditions {
		switch {
		case c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded":
			p.failure = &Failure{Reason: "ProgressDeadlineExceeded", Message: c.Message}
		case c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue:
			p.failure = &Failure{Reason: c.Reason, Message: c.Message}
		}
	}
	switch {
	case st.UpdatedReplicas < want:
		p.line += fmt.Sprintf(", %d/%d updated", st.UpdatedReplicas, want)
	case st.Replicas > st.UpdatedReplicas:
		p.line += fmt.Sprintf(", %d old replica(s) terminating", st.Replicas-st.UpdatedReplicas)
	case st.AvailableReplicas < st.UpdatedReplicas:
	default:
		p.ready = true
	}
	return p, nil
}

func statefulSetProgress(s *appsv1.StatefulSet) (progress, error) {
	sel, err := selectorOf(s.Spec.Selector)
	if err != nil {
		return progress{}, err
	}
	if p, ok := seen(s.ObjectMeta, s.Status.ObservedGeneration, sel); !ok {
		return p, nil
	}
	want, st := replicas(s.Spec.Replicas), s.Status
	p := progress{selector: sel, line: fmt.Sprintf("%d/%d ready", st.ReadyReplicas, want)}
	partition := int32(0)
	if ru := s.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		partition = *ru.Partition
	}
	rolling := s.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType
	switch {
	case st.ReadyReplicas < want || st.AvailableReplicas < want:
	case rolling && st.UpdatedReplicas < want-partition:
		p.line += fmt.Sprintf(", %d/%d updated", st.UpdatedReplicas, want-partition)
	case rolling && partition == 0 && st.UpdateRevision != st.CurrentRevision:
		p.line += ", finishing the update"
	default:
		p.ready = true
	}
	return p, nil
}

func daemonSetProgress(s *appsv1.DaemonSet) (progress, error) {
	sel, err := selectorOf(s.Spec.Selector)
	if err != nil {
		return progress{}, err
	}
	if p, ok := seen(s.ObjectMeta, s.Status.ObservedGeneration, sel); !ok {
		return p, nil
	}
	st := s.Status
	p := progress{selector: sel, line: fmt.Sprintf("%d/%d ready", st.NumberReady, st.DesiredNumberScheduled)}
	rolling := s.Spec.UpdateStrategy.Type != appsv1.OnDeleteDaemonSetStrategyType
	switch {
	case rolling && st.UpdatedNumberScheduled < st.DesiredNumberScheduled:
		p.line += fmt.Sprintf(", %d/%d updated", st.UpdatedNumberScheduled, st.DesiredNumberScheduled)
	case st.NumberAvailable < st.DesiredNumberScheduled:
	default:
		p.ready = true
	}
	return p, nil
}

func replicaSetProgress(s *appsv1.ReplicaSet) (progress, error) {
	sel, err := selectorOf(s.Spec.Selector)
	if err != nil {
		return progress{}, err
	}
	if p, ok := seen(s.ObjectMeta, s.Status.ObservedGeneration, sel); !ok {
		return p, nil
	}
	want, st := replicas(s.Spec.Replicas), s.Status
	p := progress{selector: sel, line: fmt.Sprintf("%d/%d ready", st.ReadyReplicas, want)}
	for _, c := range st.Conditions {
		if c.Type == appsv1.ReplicaSetReplicaFailure && c.Status == corev1.ConditionTrue {
			p.failure = &Failure{Reason: c.Reason, Message: c.Message}
		}
	}
	p.ready = st.ReadyReplicas >= want && st.AvailableReplicas >= want
	return p, nil
}

// jobProgress: a Job is ready when it completed.
func jobProgress(j *batchv1.Job) (progress, error) {
	sel, err := selectorOf(j.Spec.Selector)
	if err != nil {
		return progress{}, err
	}
	want := replicas(j.Spec.Completions)
	p := progress{selector: sel, line: fmt.Sprintf("%d/%d succeeded", j.Status.Succeeded, want)}
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			p.ready = true
		case batchv1.JobFailed:
			p.failure = &Failure{Reason: "JobFailed", Message: withReason(c.Reason, c.Message)}
		}
	}
	return p, nil
}

// podProgress: a bare Pod is ready when it is, or when it ran to
// completion.
func podProgress(pod *corev1.Pod) progress {
	p := progress{line: string(pod.Status.Phase)}
	switch pod.Status.Phase {
	case corev1.PodSucceeded:
		p.ready = true
	case corev1.PodRunning:
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				p.ready = true
			}
		}
		if !p.ready {
			p.line = "running, not ready"
		}
	}
	if p.ready {
		p.line = "ready"
	}
	return p
}

func withReason(reason, message string) string {
	switch {
	case reason == "":
		return message
	case message == "":
		return reason
	}
	return reason + ": " + message
}
