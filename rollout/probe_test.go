package rollout

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func probedPod(probe *corev1.Probe, started time.Time) (*corev1.Pod, *corev1.ContainerStatus) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", ReadinessProbe: probe}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "web", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(started)}},
		}}},
	}
	return pod, unready(pod)
}

func TestProbeFailureAfterItsBudget(t *testing.T) {
	t.Parallel()
	started := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	probe := &corev1.Probe{InitialDelaySeconds: 5, PeriodSeconds: 2, FailureThreshold: 3} // budget 11 s
	pod, st := probedPod(probe, started)
	msg, at := "Readiness probe failed: connection refused", started.Add(8*time.Second)
	for _, tc := range []struct {
		name  string
		after time.Duration
		msg   string
		at    time.Time
		fail  bool
	}{
		{"within the budget and margin", 15 * time.Second, msg, at, false},
		{"past budget and margin", 17 * time.Second, msg, at, true},
		{"no event", time.Minute, "", time.Time{}, false},
		{"a liveness event", time.Minute, "Liveness probe failed: x", at, false},
		{"an event of the previous run", time.Minute, msg, started.Add(-time.Second), false},
	} {
		f := probeFailure(pod, st, tc.msg, tc.at, started.Add(tc.after))
		if (f != nil) != tc.fail {
			t.Errorf("%s: failure %v, want failing %v", tc.name, f, tc.fail)
		}
		if f != nil && (f.Reason != "ReadinessProbe" || !strings.HasPrefix(f.Message, msg) || !strings.Contains(f.Message, "the probe allows 11s")) {
			t.Errorf("%s: failure %s", tc.name, f)
		}
	}

	// Kubernetes' defaults: 3 × 10 s.
	pod, st = probedPod(&corev1.Probe{}, started)
	if f := probeFailure(pod, st, msg, at, started.Add(34*time.Second)); f != nil {
		t.Errorf("defaults: failed before 30 s + margin: %s", f)
	}
	if f := probeFailure(pod, st, msg, at, started.Add(36*time.Second)); f == nil {
		t.Error("defaults: did not fail after 30 s + margin")
	}

	// A container still in its startup probe is not judged by readiness.
	pod, _ = probedPod(probe, started)
	no := false
	pod.Status.ContainerStatuses[0].Started = &no
	if st := unready(pod); st != nil {
		t.Errorf("a container not started counts as unready: %+v", st)
	}
}
