package kube

import (
	corev1 "k8s.io/api/core/v1"
)

// TemplateContainer checks s against a workload's pod template instead
// of a running pod: it returns the container s would choose in the pods
// the template makes, "" when they would not match. A workload replaced
// by a dev copy has no pods of its own, and the copy's run another image,
// so only its template still says what it runs (DevSpace matches
// templates too when it looks for what it replaced).
func TemplateContainer(s Selector, tmpl *corev1.PodTemplateSpec) (string, error) {
	m, err := newMatcher(s)
	if err != nil || s.Pod != "" { // a template names no pod
		return "", err
	}
	for k, v := range s.LabelSelector {
		if got, ok := tmpl.Labels[k]; !ok || got != v {
			return "", nil
		}
	}
	return m.container(&corev1.Pod{ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec}), nil
}
