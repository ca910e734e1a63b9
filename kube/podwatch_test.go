package kube

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func podWith(state corev1.ContainerState) *corev1.Pod {
	p := &corev1.Pod{}
	p.Name = "build-x"
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", Image: "example/builder:1", State: state}}
	return p
}

func TestContainerStarted(t *testing.T) {
	for _, tt := range []struct {
		name    string
		pod     *corev1.Pod
		done    bool
		wantErr string
		image   bool
	}{
		{"no status yet", &corev1.Pod{}, false, "", false},
		{"creating", podWith(corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}), false, "", false},
		{"running", podWith(corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}), true, "", false},
		{"already ended", podWith(corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}), true, "", false},
		{"image pull", podWith(corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImagePull", Message: "not found"}}),
			false, "pod build-x cannot start: ErrImagePull: not found", true},
		{"secret", podWith(corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError", Message: `secret "s" not found`}}),
			false, `CreateContainerConfigError: secret "s" not found`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			done, err := ContainerStarted(tt.pod, "c")
			if done != tt.done {
				t.Errorf("done = %v, want %v", done, tt.done)
			}
			var se *StartError
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.wantErr != "" && (!errors.As(err, &se) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one with %q", err, tt.wantErr)
			case se != nil && se.ImageProblem() != tt.image:
				t.Errorf("ImageProblem() = %v, want %v", se.ImageProblem(), tt.image)
			}
		})
	}
}
