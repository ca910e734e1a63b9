// Pods a dev config works on: selecting one (labels, image, container),
// waiting until it is ready, and noticing when it goes away.

package kube

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"

	"github.com/distribution/reference"
)

// Selector chooses the pod a dev config works on. When several of Pod,
// LabelSelector and ImageSelector are set, a pod must match all of them.
type Selector struct {
	Namespace     string            // "" means the client's namespace
	Pod           string            // the pod of this name
	LabelSelector map[string]string // pods with all these labels
	// ImageSelector is an image reference: pods with a container whose
	// image has the same repository and, when the reference has a tag or
	// digest, the same tag or digest ("repo" alone matches any tag).
	ImageSelector string
	// Container is the container to work on; "" means the one that matches
	// ImageSelector, else the pod's first container.
	Container string
}

func (s Selector) String() string {
	var parts []string
	if s.Pod != "" {
		parts = append(parts, "pod "+s.Pod)
	}
	if len(s.LabelSelector) > 0 {
		parts = append(parts, "labelSelector "+labels.SelectorFromSet(s.LabelSelector).String())
	}
	if s.ImageSelector != "" {
		parts = append(parts, "imageSelector "+s.ImageSelector)
	}
	if s.Container != "" {
		parts = append(parts, "container "+s.Container)
	}
	return strings.Join(parts, ", ")
}

// Pod is a selected pod and container.
type Pod struct{ Namespace, Name, Container, UID string }

func (p Pod) String() string {
	return "pod " + p.Namespace + "/" + p.Name + " container " + p.Container
}

// WaitPod waits until ctx ends for a pod matching s that is Running, not
// terminating and whose chosen container is ready, and returns the newest
// such pod. It lists, then watches from the list's version (re-listing when
// the watch ends), so it reacts to changes at once without polling.
func WaitPod(ctx context.Context, c *Client, s Selector) (Pod, error) {
	w, ns, err := newPodWaiter(c, s)
	if err != nil {
		return Pod{}, err
	}
	var pod Pod
	w.done = func() (ok bool, _ error) {
		pod, ok = w.ready()
		return ok, nil
	}
	if err := w.wait(ctx); err != nil {
		return Pod{}, fmt.Errorf("wait for a ready pod (%s) in namespace %q: %w%s", s, ns, err, w.best())
	}
	return pod, nil
}

// podWaiter follows the pods a matcher selects until done says so.
type podWaiter struct {
	r    dynamic.ResourceInterface
	m    matcher
	opts metav1.ListOptions
	pods map[string]*corev1.Pod // the matching pods last seen, by name
	// done looks at pods after the list and after each change: true (or an
	// error) ends the wait.
	done func() (bool, error)
}

// newPodWaiter prepares a waiter for s; it returns the namespace it looks in.
func newPodWaiter(c *Client, s Selector) (*podWaiter, string, error) {
	ns := s.Namespace
	if ns == "" {
		ns = c.Namespace
	}
	m, err := newMatcher(s)
	if err != nil {
		return nil, ns, err
	}
	opts := metav1.ListOptions{LabelSelector: labels.SelectorFromSet(m.labels).String()}
	if s.Pod != "" {
		opts.FieldSelector = "metadata.name=" + s.Pod
	}
	return &podWaiter{r: c.dynamic.Resource(PodsResource).Namespace(ns), m: m, opts: opts, pods: map[string]*corev1.Pod{}}, ns, nil
}

// wait lists, then watches from the list's version (listing again when the
// watch ends), so it reacts to changes at once without polling.
func (w *podWaiter) wait(ctx context.Context) error {
	for {
		list, err := w.r.List(ctx, w.opts)
		if err != nil {
			return err
		}
		clear(w.pods)
		for i := range list.Items {
			w.update(watch.Added, &list.Items[i])
		}
		if ok, err := w.done(); ok || err != nil {
			return err
		}
		wopts := w.opts
		wopts.ResourceVersion = list.GetResourceVersion()
		if ok, err := w.follow(ctx, wopts); ok || err != nil {
			return err
		}
	}
}

// follow applies watch events until done, the watch ends (the caller
// lists again) or ctx ends.
func (w *podWaiter) follow(ctx context.Context, opts metav1.ListOptions) (bool, error) {
	watcher, err := w.r.Watch(ctx, opts)
	if err != nil {
		if ctx.Err() != nil || Permanent(err) {
			return false, err
		}
		return false, Pause(ctx, time.Second) // e.g. 410 Gone: list again
	}
	defer watcher.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case ev, ok := <-watcher.ResultChan():
			if !ok || ev.Type == watch.Error {
				return false, nil
			}
			if u, isU := ev.Object.(*unstructured.Unstructured); isU {
				w.update(ev.Type, u)
			}
			if ok, err := w.done(); ok || err != nil {
				return ok, err
			}
		}
	}
}

func (w *podWaiter) update(t watch.EventType, u *unstructured.Unstructured) {
	pod, err := toPod(u)
	if err != nil || t == watch.Deleted || !w.m.matches(pod) {
		delete(w.pods, u.GetName())
		return
	}
	w.pods[pod.Name] = pod
}

// ready picks the newest pod whose container is ready.
func (w *podWaiter) ready() (Pod, bool) {
	var best *corev1.Pod
	var container string
	for _, p := range w.newestFirst() {
		if c := w.m.container(p); c != "" && podReady(p, c) {
			best, container = p, c
			break
		}
	}
	if best == nil {
		return Pod{}, false
	}
	return Pod{Namespace: best.Namespace, Name: best.Name, Container: container, UID: string(best.UID)}, true
}

func (w *podWaiter) newestFirst() []*corev1.Pod {
	pods := make([]*corev1.Pod, 0, len(w.pods))
	for _, p := range w.pods {
		pods = append(pods, p)
	}
	slices.SortFunc(pods, func(a, b *corev1.Pod) int {
		if c := b.CreationTimestamp.Compare(a.CreationTimestamp.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return pods
}

// best describes why no pod qualified, for the timeout error: the newest
// candidate that is not terminating, else the newest.
func (w *podWaiter) best() string {
	pods := w.newestFirst()
	if len(pods) == 0 {
		return "; no pod matches"
	}
	best := pods[0]
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			best = p
			break
		}
	}
	return fmt.Sprintf("; newest candidate pod %s: %s", best.Name, w.m.state(best))
}

func toPod(u *unstructured.Unstructured) (*corev1.Pod, error) {
	var p corev1.Pod
	err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &p)
	return &p, err
}

func podReady(p *corev1.Pod, container string) bool {
	if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
		return false
	}
	cs := ContainerStatus(p, container)
	return cs != nil && cs.Ready
}

// PodGone watches pod until it is deleted, terminating, replaced by a pod
// of the same name or finished, and says which; "" when ctx ended first.
func PodGone(ctx context.Context, c *Client, pod Pod) string {
	r := c.dynamic.Resource(PodsResource).Namespace(pod.Namespace)
	opts := metav1.ListOptions{FieldSelector: "metadata.name=" + pod.Name}
	for ctx.Err() == nil {
		list, err := r.List(ctx, opts)
		if err != nil {
			_ = Pause(ctx, time.Second)
			continue
		}
		if len(list.Items) == 0 {
			return "deleted"
		}
		if why := goneReason(pod, &list.Items[0]); why != "" {
			return why
		}
		wopts := opts
		wopts.ResourceVersion = list.GetResourceVersion()
		if why := watchGone(ctx, r, pod, wopts); why != "" {
			return why
		}
	}
	return ""
}

func watchGone(ctx context.Context, r dynamic.ResourceInterface, pod Pod, opts metav1.ListOptions) string {
	w, err := r.Watch(ctx, opts)
	if err != nil {
		_ = Pause(ctx, time.Second)
		return ""
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		u, ok := ev.Object.(*unstructured.Unstructured)
		switch {
		case ev.Type == watch.Error || !ok:
			return ""
		case ev.Type == watch.Deleted:
			return "deleted"
		}
		if why := goneReason(pod, u); why != "" {
			return why
		}
	}
	return ""
}

func goneReason(pod Pod, u *unstructured.Unstructured) string {
	switch {
	case string(u.GetUID()) != pod.UID:
		return "replaced"
	case u.GetDeletionTimestamp() != nil:
		return "terminating"
	}
	phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
	if phase == string(corev1.PodSucceeded) || phase == string(corev1.PodFailed) {
		return "phase " + phase
	}
	return ""
}

// Pause waits d or until ctx ends.
func Pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Permanent reports API errors that retrying will not fix.
func Permanent(err error) bool {
	return apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || errors.Is(err, context.Canceled)
}

// matcher decides which pods and container a Selector picks.
type matcher struct {
	labels map[string]string
	image  *imageRef
	want   string // Selector.Container
}

func newMatcher(s Selector) (matcher, error) {
	m := matcher{labels: s.LabelSelector, want: s.Container}
	if len(s.LabelSelector) == 0 && s.ImageSelector == "" && s.Pod == "" {
		return m, errors.New("pod selector: set labelSelector, imageSelector or pod")
	}
	if s.ImageSelector != "" {
		ref, err := parseImage(s.ImageSelector)
		if err != nil {
			return m, fmt.Errorf("pod selector: imageSelector %q: %w", s.ImageSelector, err)
		}
		m.image = &ref
	}
	return m, nil
}

// matches reports whether p is a candidate, ready or not. The label
// selector is applied by the server.
func (m matcher) matches(p *corev1.Pod) bool {
	return m.image == nil || m.container(p) != ""
}

// container is the container of p to work on, or "" when p has none that
// fits.
func (m matcher) container(p *corev1.Pod) string {
	for _, c := range p.Spec.Containers {
		if m.want != "" && c.Name != m.want {
			continue
		}
		if m.image == nil || m.image.matches(c.Image, imageID(p, c.Name)) {
			return c.Name
		}
		if m.want != "" {
			return ""
		}
	}
	if m.want == "" && m.image == nil && len(p.Spec.Containers) > 0 {
		return p.Spec.Containers[0].Name
	}
	return ""
}

func imageID(p *corev1.Pod, container string) string {
	if cs := ContainerStatus(p, container); cs != nil {
		return cs.ImageID
	}
	return ""
}

// state says in a few words why p does not qualify.
func (m matcher) state(p *corev1.Pod) string {
	name := m.container(p)
	switch {
	case name == "" && m.want != "":
		return fmt.Sprintf("no container %q", m.want)
	case p.DeletionTimestamp != nil:
		return "terminating"
	case p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed:
		return fmt.Sprintf("phase %s %s", p.Status.Phase, withMessage(p.Status.Reason, p.Status.Message))
	}
	cs := ContainerStatus(p, name)
	switch {
	case cs == nil:
		return fmt.Sprintf("phase %s%s", p.Status.Phase, unschedulable(p))
	case cs.State.Waiting != nil:
		return fmt.Sprintf("container %q waiting: %s", name, withMessage(cs.State.Waiting.Reason, cs.State.Waiting.Message))
	case cs.State.Terminated != nil:
		return fmt.Sprintf("container %q terminated: %s (exit code %d)", name, cs.State.Terminated.Reason, cs.State.Terminated.ExitCode)
	case !cs.Ready:
		return fmt.Sprintf("container %q running, not ready", name)
	}
	return fmt.Sprintf("phase %s", p.Status.Phase)
}

func withMessage(reason, message string) string {
	if message == "" {
		return reason
	}
	return reason + " (" + message + ")"
}

func unschedulable(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return ", not scheduled: " + withMessage(c.Reason, c.Message)
		}
	}
	return ""
}

// imageRef is an image reference reduced to what image selection compares.
type imageRef struct{ name, tag, digest string }

func parseImage(s string) (imageRef, error) {
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return imageRef{}, err
	}
	ref := imageRef{name: named.Name()}
	if t, ok := named.(reference.Tagged); ok {
		ref.tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		ref.digest = d.Digest().String()
	}
	return ref, nil
}

// matches reports whether a container's image (and the image ID its status
// reports, which carries the digest) is the selected one. An image without
// tag or digest is ":latest", as the kubelet pulls it.
func (sel imageRef) matches(image, id string) bool {
	got, err := parseImage(image)
	if err != nil || got.name != sel.name {
		return false
	}
	if got.tag == "" && got.digest == "" {
		got.tag = "latest"
	}
	if sel.tag != "" && got.tag != sel.tag {
		return false
	}
	return sel.digest == "" || got.digest == sel.digest || strings.HasSuffix(id, "@"+sel.digest)
}
