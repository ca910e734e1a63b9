package kube

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// Candidate is a pod a Selector matches, with the container it chooses.
type Candidate struct {
	Pod
	// Status is the pod as last seen.
	Status *corev1.Pod
	// State says in a few words where the pod and container are, for
	// messages ("container "main" waiting: ContainerCreating").
	State string
}

// WatchPods follows the pods s matches (terminating ones left out) and
// hands them to check, newest first, after the first list and after each
// change, until check returns true or an error, or ctx ends. Unlike
// WaitPod it leaves the judging to check: hooks wait for containers that
// ended, or for every matching pod. An error names the selector and the
// newest candidate's state.
func WatchPods(ctx context.Context, c *Client, s Selector, check func([]Candidate) (bool, error)) error {
	w, ns, err := newPodWaiter(c, s)
	if err != nil {
		return err
	}
	w.done = func() (bool, error) { return check(w.candidates()) }
	if err := w.wait(ctx); err != nil {
		return fmt.Errorf("pods (%s) in namespace %q: %w%s", s, ns, err, w.best())
	}
	return nil
}

func (w *podWaiter) candidates() []Candidate {
	var out []Candidate
	for _, p := range w.newestFirst() {
		name := w.m.container(p)
		if name == "" || p.DeletionTimestamp != nil {
			continue
		}
		pod := Pod{Namespace: p.Namespace, Name: p.Name, Container: name, UID: string(p.UID)}
		out = append(out, Candidate{Pod: pod, Status: p, State: w.m.state(p)})
	}
	return out
}
