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

// controlled starts the progress of a workload its controller rolls out:
// its pods' selector and line. ok is false, and p says so, while the
// controller has not acted on the latest spec yet.
func controlled(meta metav1.ObjectMeta, ls *metav1.LabelSelector, observed int64, line string) (p progress, ok bool, err error) {
	sel, err := selectorOf(ls)
	if err != nil {
		return progress{}, false, err
	}
	if observed < meta.Generation {
		return progress{line: "waiting for its controller", selector: sel}, false, nil
	}
	return progress{selector: sel, line: line}, true, nil
}

// readyLine is the line of a workload with ready of want pods ready.
func readyLine(ready, want int32) string { return fmt.Sprintf("%d/%d ready", ready, want) }

// stage is one step of a rollout: pending until the controller got there,
// with what the line adds meanwhile.
type stage struct {
	pending bool
	more    string
}

// through is p at the first of a rollout's stages still pending, or
// ready when none is.
func through(p progress, stages ...stage) progress {
	for _, s := range stages {
		if s.pending {
			p.line += s.more
			return p
		}
	}
	p.ready = true
	return p
}

// updated is the stage of a rolling update reaching all the pods it must
// (target): ", 1/3 updated" until then. It is never pending when the
// controller does not roll (OnDelete).
func updated(rolling bool, done, target int32) stage {
	return stage{rolling && done < target, fmt.Sprintf(", %d/%d updated", done, target)}
}

// available is the stage of every pod that must be available being so.
func available(pending bool) stage { return stage{pending: pending} }

// deploymentProgress follows `kubectl rollout status`: every replica
// updated, no old one left, every updated one available.
func deploymentProgress(d *appsv1.Deployment) (progress, error) {
	want, st := replicas(d.Spec.Replicas), d.Status
	p, ok, err := controlled(d.ObjectMeta, d.Spec.Selector, st.ObservedGeneration, readyLine(st.ReadyReplicas, want))
	if !ok {
		return p, err
	}
	p.revision = d.Annotations[revisionAnnotation]
	for _, c := range st.Conditions {
		switch {
		case c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded":
			p.failure = &Failure{Reason: "ProgressDeadlineExceeded", Message: c.Message}
		case c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue:
			p.failure = &Failure{Reason: c.Reason, Message: c.Message}
		}
	}
	return through(p,
		updated(true, st.UpdatedReplicas, want),
		stage{st.Replicas > st.UpdatedReplicas, fmt.Sprintf(", %d old replica(s) terminating", st.Replicas-st.UpdatedReplicas)},
		available(st.AvailableReplicas < st.UpdatedReplicas),
	), nil
}

// statefulSetProgress: every replica ready and available, then a rolling
// update through the pods its partition does not keep, and, with no
// partition, the update revision made current.
func statefulSetProgress(s *appsv1.StatefulSet) (progress, error) {
	want, st := replicas(s.Spec.Replicas), s.Status
	p, ok, err := controlled(s.ObjectMeta, s.Spec.Selector, st.ObservedGeneration, readyLine(st.ReadyReplicas, want))
	if !ok {
		return p, err
	}
	partition := int32(0)
	if ru := s.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		partition = *ru.Partition
	}
	rolling := s.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType
	return through(p,
		available(st.ReadyReplicas < want || st.AvailableReplicas < want),
		updated(rolling, st.UpdatedReplicas, want-partition),
		stage{rolling && partition == 0 && st.UpdateRevision != st.CurrentRevision, ", finishing the update"},
	), nil
}

// daemonSetProgress: a rolling update on every node it must run on, then
// each of those pods available.
func daemonSetProgress(s *appsv1.DaemonSet) (progress, error) {
	st := s.Status
	p, ok, err := controlled(s.ObjectMeta, s.Spec.Selector, st.ObservedGeneration, readyLine(st.NumberReady, st.DesiredNumberScheduled))
	if !ok {
		return p, err
	}
	rolling := s.Spec.UpdateStrategy.Type != appsv1.OnDeleteDaemonSetStrategyType
	return through(p,
		updated(rolling, st.UpdatedNumberScheduled, st.DesiredNumberScheduled),
		available(st.NumberAvailable < st.DesiredNumberScheduled),
	), nil
}

func replicaSetProgress(s *appsv1.ReplicaSet) (progress, error) {
	want, st := replicas(s.Spec.Replicas), s.Status
	p, ok, err := controlled(s.ObjectMeta, s.Spec.Selector, st.ObservedGeneration, readyLine(st.ReadyReplicas, want))
	if !ok {
		return p, err
	}
	for _, c := range st.Conditions {
		if c.Type == appsv1.ReplicaSetReplicaFailure && c.Status == corev1.ConditionTrue {
			p.failure = &Failure{Reason: c.Reason, Message: c.Message}
		}
	}
	return through(p, available(st.ReadyReplicas < want || st.AvailableReplicas < want)), nil
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
