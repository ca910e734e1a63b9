package hookcontainer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/kube"
)

// Wait waits until every container h selects, in every pod that matches
// (terminating ones aside), runs and is ready (wait.running) or ended with
// wait.terminatedWithCode, either one satisfying; without
// container.containerName or imageSelector that is every container of the
// pods, init containers included, as in DevSpace. It looks first after
// Settle, then waits up to wait.timeout (else container.timeout, else
// 150 s). It fails at once when a pod has ended without meeting the
// condition, where DevSpace waits out the timeout; when no pod matches
// yet it waits, where DevSpace's wait succeeds at once.
func (r *Runner) Wait(ctx context.Context, h *config.Hook) error {
	if err := checkWait(h); err != nil {
		return err
	}
	c, sel, err := r.connect(h)
	if err != nil {
		return err
	}
	timeout := DefaultTimeout
	if t := h.Wait.Timeout; t > 0 {
		timeout = time.Duration(t) * time.Second
	} else if t := h.Container.Timeout; t > 0 {
		timeout = time.Duration(t) * time.Second
	}
	if err := settle(ctx); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	want := condition(h.Wait)
	warned := map[string]bool{}
	err = kube.WatchPods(wctx, c, sel, func(cands []kube.Candidate) (bool, error) {
		for _, cand := range cands {
			for _, name := range r.waitContainers(h, cand) {
				met, err := r.met(h, cand, name, warned)
				if !met || err != nil {
					return false, err
				}
			}
		}
		return len(cands) > 0, nil
	})
	switch {
	case err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return fmt.Errorf("%s: wait for containers that %s: not within %s (wait.timeout): %w", Name(h), want, timeout, err)
	case err != nil:
		return fmt.Errorf("%s: wait for containers that %s: %w", Name(h), want, err)
	}
	return nil
}

// checkWait refuses what a wait hook cannot honour.
func checkWait(h *config.Hook) error {
	switch {
	case h.Wait == nil:
		return fmt.Errorf("%s: no wait", Name(h))
	case !h.Wait.Running && h.Wait.TerminatedWithCode == nil:
		return fmt.Errorf("%s: wait: set running: true or terminatedWithCode", Name(h))
	case h.Container != nil && h.Container.Once != nil && *h.Container.Once:
		return fmt.Errorf("%s: container.once applies to commands, upload and download, not to wait", Name(h))
	case h.Container != nil && h.Container.Wait != nil && !*h.Container.Wait:
		return fmt.Errorf("%s: container.wait: false contradicts the wait action; remove it", Name(h))
	}
	return nil
}

func condition(w *config.HookWait) string {
	var parts []string
	if w.Running {
		parts = append(parts, "run")
	}
	if w.TerminatedWithCode != nil {
		parts = append(parts, fmt.Sprintf("ended with exit code %d", *w.TerminatedWithCode))
	}
	return strings.Join(parts, " or ")
}

// waitContainers are the containers of cand a wait hook looks at.
func (r *Runner) waitContainers(h *config.Hook, cand kube.Candidate) []string {
	if h.Container.ContainerName != "" || h.Container.ImageSelector != "" {
		return []string{cand.Container}
	}
	var names []string
	for _, c := range cand.Status.Spec.InitContainers {
		names = append(names, c.Name)
	}
	for _, c := range cand.Status.Spec.Containers {
		names = append(names, c.Name)
	}
	return names
}

// met says whether container name of cand meets h's wait condition, and
// fails when its pod ended without meeting it. A container that cannot
// start (its image cannot be pulled) is reported once.
func (r *Runner) met(h *config.Hook, cand kube.Candidate, name string, warned map[string]bool) (bool, error) {
	pod := cand.Status
	cs := containerStatus(pod, name)
	if cs != nil {
		if h.Wait.Running && cs.State.Running != nil && cs.Ready {
			return true, nil
		}
		if code := h.Wait.TerminatedWithCode; code != nil && cs.State.Terminated != nil && cs.State.Terminated.ExitCode == *code {
			return true, nil
		}
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false, fmt.Errorf("pod %s/%s ended (phase %s) and container %q did not %s: %s",
			pod.Namespace, pod.Name, pod.Status.Phase, name, condition(h.Wait), describe(cs))
	}
	if err := kube.StartFailure(pod, name); err != nil && !warned[pod.Name+"/"+name] {
		warned[pod.Name+"/"+name] = true
		fmt.Fprintf(r.o.Log, "%s: %v; still waiting\n", Name(h), err)
	}
	return false, nil
}

func containerStatus(pod *corev1.Pod, name string) *corev1.ContainerStatus {
	for i := range pod.Status.InitContainerStatuses {
		if pod.Status.InitContainerStatuses[i].Name == name {
			return &pod.Status.InitContainerStatuses[i]
		}
	}
	return kube.ContainerStatus(pod, name)
}

func describe(cs *corev1.ContainerStatus) string {
	switch {
	case cs == nil:
		return "it has no status"
	case cs.State.Terminated != nil:
		return fmt.Sprintf("it ended with exit code %d (%s)", cs.State.Terminated.ExitCode, cs.State.Terminated.Reason)
	case cs.State.Waiting != nil:
		return "it waits: " + cs.State.Waiting.Reason
	}
	return "it runs"
}
