package kube

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestImageSelector(t *testing.T) {
	cases := []struct {
		sel, image string
		want       bool
	}{
		{"nginx", "docker.io/library/nginx:1.27", true},
		{"nginx:1.27", "nginx:1.27", true},
		{"nginx:1.27", "nginx:1.26", false},
		{"nginx:latest", "nginx", true},
		{"nginx", "nginx-extra:1", false},
		{"r.io/a/b", "r.io/a/b:dev", true},
		{"r.io/a/b:dev", "r.io/a/c:dev", false},
		{"r.io/a/b@sha256:" + strings.Repeat("a", 64), "r.io/a/b@sha256:" + strings.Repeat("a", 64), true},
		{"r.io/a/b@sha256:" + strings.Repeat("a", 64), "r.io/a/b:dev", false},
	}
	for _, tc := range cases {
		sel, err := parseImage(tc.sel)
		if err != nil {
			t.Fatal(err)
		}
		if got := sel.matches(tc.image, ""); got != tc.want {
			t.Errorf("%s matches %s: %v, want %v", tc.sel, tc.image, got, tc.want)
		}
	}
}

// TestContainerChoice: with an image selector the matching container is
// chosen; Container narrows it; a label selector picks the first.
func TestContainerChoice(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "sidecar", Image: "proxy:1"}, {Name: "app", Image: "r.io/app:dev"},
	}}}
	cases := []struct {
		s    Selector
		want string
	}{
		{Selector{ImageSelector: "r.io/app"}, "app"},
		{Selector{ImageSelector: "r.io/app", Container: "sidecar"}, ""},
		{Selector{LabelSelector: map[string]string{"a": "b"}}, "sidecar"},
		{Selector{LabelSelector: map[string]string{"a": "b"}, Container: "app"}, "app"},
		{Selector{LabelSelector: map[string]string{"a": "b"}, Container: "nope"}, ""},
		{Selector{Pod: "p"}, "sidecar"},
		{Selector{Pod: "p", Container: "app"}, "app"},
	}
	for _, tc := range cases {
		m, err := newMatcher(tc.s)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.container(pod); got != tc.want {
			t.Errorf("%s: container %q, want %q", tc.s, got, tc.want)
		}
	}
	if _, err := newMatcher(Selector{}); err == nil {
		t.Error("an empty selector was accepted")
	}
}

// TestTemplateContainer: a pod template is matched as its pods would be,
// labels included.
func TestTemplateContainer(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "sidecar", Image: "proxy:1"}, {Name: "app", Image: "r.io/app:dev"},
		}},
	}
	cases := []struct {
		s    Selector
		want string
	}{
		{Selector{ImageSelector: "r.io/app"}, "app"},
		{Selector{ImageSelector: "r.io/app:other"}, ""},
		{Selector{ImageSelector: "r.io/app", LabelSelector: map[string]string{"app": "web"}}, "app"},
		{Selector{ImageSelector: "r.io/app", LabelSelector: map[string]string{"app": "db"}}, ""},
		{Selector{LabelSelector: map[string]string{"app": "web"}}, "sidecar"},
		{Selector{Pod: "web-1"}, ""},
	}
	for _, tc := range cases {
		got, err := TemplateContainer(tc.s, tmpl)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: container %q, want %q", tc.s, got, tc.want)
		}
	}
	if _, err := TemplateContainer(Selector{}, tmpl); err == nil {
		t.Error("an empty selector was accepted")
	}
}
