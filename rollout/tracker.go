package rollout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"

	"github.com/devspace-engine/devspace/kube"
)

// recheck is how often a waiting workload's events are read: a readiness
// probe's message and a controller's FailedCreate are only events.
const recheck = 2 * time.Second

// tracker waits for one workload.
type tracker struct {
	c    *kube.Client
	w    Workload
	opts Options
	show func(line string)

	res       dynamic.ResourceInterface
	obj       *unstructured.Unstructured
	prog      progress
	pods      map[string]*corev1.Pod
	revisions map[string]string // ReplicaSet name → its Deployment revision
	probe     string            // the newest readiness probe failure
	start     time.Time
}

func (t *tracker) run(ctx context.Context) Result {
	t.start = time.Now()
	out := Result{Workload: t.w}
	gvr, err := resourceOf(t.w.Ref)
	if err != nil {
		out.Failure = &Failure{Reason: "NotAWorkload", Message: err.Error()}
		return out
	}
	t.res = t.c.Dynamic().Resource(gvr).Namespace(t.w.Namespace)
	t.revisions = map[string]string{}
	for {
		ready, f, err := t.round(ctx)
		out.Ready, out.Failure, out.Waited = ready, f, time.Since(t.start)
		switch {
		case ready || f != nil:
			return out
		case ctx.Err() != nil:
			out.Failure = t.stopped(ctx)
			return out
		case err != nil:
			// The watch failed or the server ended it: read again.
			_ = kube.Pause(ctx, time.Second)
		}
	}
}

// stopped is the failure of a wait whose context ended: a timeout says
// what it was waiting for; a stop because another workload failed or the
// caller gave up is none of this workload's.
func (t *tracker) stopped(ctx context.Context) *Failure {
	if !errors.Is(context.Cause(ctx), errTimeout) {
		return nil
	}
	waited := time.Since(t.start).Round(time.Second)
	if t.probe != "" {
		return &Failure{Reason: "ReadinessProbe", Message: fmt.Sprintf("%s (not ready after %s)", t.probe, waited)}
	}
	return &Failure{Reason: "Timeout", Message: fmt.Sprintf("not ready after %s: %s", waited, t.prog.line)}
}

// round reads the workload once and, unless that settles it, follows it
// and its pods until it is ready, fails, ctx ends or a watch ends.
func (t *tracker) round(ctx context.Context) (bool, *Failure, error) {
	obj, err := t.w.Seen, error(nil)
	t.w.Seen = nil // a later round reads afresh
	if obj == nil {
		obj, err = t.res.Get(ctx, t.w.Name, metav1.GetOptions{})
	}
	if apierrors.IsNotFound(err) {
		return false, &Failure{Reason: "NotFound", Message: "it was deleted while waiting"}, nil
	}
	if err != nil {
		return false, nil, err
	}
	if err := t.update(obj); err != nil {
		return false, &Failure{Reason: "Unreadable", Message: err.Error()}, nil
	}
	if t.prog.ready {
		return true, nil, nil
	}
	objects, err := t.res.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + t.w.Name, ResourceVersion: obj.GetResourceVersion()})
	if err != nil {
		return false, nil, err
	}
	defer objects.Stop()
	var podEvents <-chan watch.Event
	if sel := t.prog.selector; sel != nil && !sel.Empty() {
		pods, err := t.watchPods(ctx, sel.String())
		if err != nil {
			return false, nil, err
		}
		defer pods.Stop()
		podEvents = pods.ResultChan()
	}
	tick := time.NewTicker(recheck)
	defer tick.Stop()
	for {
		if ready, f := t.check(ctx); ready || f != nil {
			return ready, f, nil
		}
		select {
		case <-ctx.Done():
			return false, nil, ctx.Err()
		case ev, open := <-objects.ResultChan():
			if err := t.objectEvent(ev, open); err != nil {
				return false, nil, err
			}
		case ev, open := <-podEvents:
			if err := t.podEvent(ev, open); err != nil {
				return false, nil, err
			}
		case <-tick.C:
			if f := t.readEvents(ctx); f != nil {
				return false, f, nil
			}
		}
	}
}

var errWatchEnded = errors.New("watch ended")

func (t *tracker) objectEvent(ev watch.Event, open bool) error {
	if !open || ev.Type == watch.Error {
		return errWatchEnded
	}
	u, ok := ev.Object.(*unstructured.Unstructured)
	if !ok || ev.Type == watch.Bookmark {
		return nil
	}
	if ev.Type == watch.Deleted {
		return errWatchEnded // the next round's read says NotFound
	}
	return t.update(u)
}

// update takes a new state of the workload object.
func (t *tracker) update(obj *unstructured.Unstructured) error {
	p, err := evaluate(obj)
	if err != nil {
		return err
	}
	t.obj, t.prog = obj, p
	if t.w.Kind == "Pod" {
		pod, err := toPod(obj)
		if err != nil {
			return err
		}
		t.pods = map[string]*corev1.Pod{pod.Name: pod}
	}
	return nil
}

// watchPods lists the workload's pods and watches them from there.
func (t *tracker) watchPods(ctx context.Context, selector string) (watch.Interface, error) {
	pods := t.c.Pods(t.w.Namespace)
	list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	t.pods = map[string]*corev1.Pod{}
	for i := range list.Items {
		if pod, err := toPod(&list.Items[i]); err == nil {
			t.pods[pod.Name] = pod
		}
	}
	return pods.Watch(ctx, metav1.ListOptions{LabelSelector: selector, ResourceVersion: list.GetResourceVersion()})
}

func (t *tracker) podEvent(ev watch.Event, open bool) error {
	if !open || ev.Type == watch.Error {
		return errWatchEnded
	}
	u, ok := ev.Object.(*unstructured.Unstructured)
	if !ok || ev.Type == watch.Bookmark {
		return nil
	}
	if ev.Type == watch.Deleted {
		delete(t.pods, u.GetName())
		return nil
	}
	pod, err := toPod(u)
	if err != nil {
		return err
	}
	t.pods[pod.Name] = pod
	return nil
}

func toPod(u *unstructured.Unstructured) (*corev1.Pod, error) {
	var pod corev1.Pod
	return &pod, convert(u, &pod)
}

// check decides from what is known: ready, failed (with the log lines
// that explain it), or still waiting (and shows where it stands).
func (t *tracker) check(ctx context.Context) (bool, *Failure) {
	p := t.prog
	if p.ready {
		return true, nil
	}
	if p.failure != nil {
		f := *p.failure
		if f.Reason == "JobFailed" {
			t.addJobLogs(ctx, &f)
		}
		return false, &f
	}
	bare := t.w.Kind == "Pod"
	for _, pod := range t.newestFirst() {
		if f := podFailure(pod, bare); f != nil && t.current(ctx, pod) {
			t.addLogs(ctx, f)
			return false, f
		}
	}
	line := p.line
	if t.probe != "" {
		line += "; " + t.probe
	}
	t.show(line)
	return false, nil
}

func (t *tracker) newestFirst() []*corev1.Pod {
	var pods []*corev1.Pod
	for _, p := range t.pods {
		pods = append(pods, p)
	}
	slices.SortFunc(pods, func(a, b *corev1.Pod) int {
		return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
	})
	return pods
}

// current says whether pod belongs to the workload's rollout: for a
// Deployment, a pod of the ReplicaSet of its current revision (an old
// ReplicaSet's crashing pods are what the rollout replaces).
func (t *tracker) current(ctx context.Context, pod *corev1.Pod) bool {
	if t.w.Kind != "Deployment" || t.prog.revision == "" {
		return true
	}
	owner := metav1.GetControllerOf(pod)
	if owner == nil || owner.Kind != "ReplicaSet" {
		return false
	}
	rev, ok := t.revisions[owner.Name]
	if !ok {
		rs, err := t.c.Dynamic().Resource(appsReplicaSets).Namespace(t.w.Namespace).Get(ctx, owner.Name, metav1.GetOptions{})
		if err != nil {
			return false
		}
		rev = rs.GetAnnotations()[revisionAnnotation]
		t.revisions[owner.Name] = rev
	}
	return rev == t.prog.revision
}

var appsReplicaSets = schemaGVR("apps", "v1", "replicasets")

// addLogs puts the crashed or failed container's last lines in f.
func (t *tracker) addLogs(ctx context.Context, f *Failure) {
	if f.Container == "" || f.ExitCode == nil {
		return
	}
	f.Logs = tail(ctx, t.c, t.w.Namespace, f.Pod, f.Container, t.opts.LogLines, f.Reason == "CrashLoopBackOff")
}

// addJobLogs puts the newest failed pod of a failed Job, its exit code
// and last log lines in f.
func (t *tracker) addJobLogs(ctx context.Context, f *Failure) {
	for _, pod := range t.newestFirst() {
		container, code := failedContainer(pod)
		if container == "" {
			continue
		}
		f.Pod, f.Container, f.ExitCode = pod.Name, container, code
		f.Logs = tail(ctx, t.c, t.w.Namespace, pod.Name, container, t.opts.LogLines, false)
		if f.Logs == "" {
			f.Logs = tail(ctx, t.c, t.w.Namespace, pod.Name, container, t.opts.LogLines, true)
		}
		return
	}
}

// readEvents reads what only events tell: why a running pod is not ready
// (its readiness probe, which fails the wait once it has clearly failed,
// see probeFailure), and a controller that cannot create its pods (a
// quota or an admission webhook said no), which fails the wait.
func (t *tracker) readEvents(ctx context.Context) *Failure {
	for _, pod := range t.newestFirst() {
		if st := unready(pod); st != nil && t.current(ctx, pod) {
			msg, at := latestEvent(ctx, t.c, t.w.Namespace, string(pod.UID), "Unhealthy")
			if msg != "" {
				t.probe = msg
			}
			if f := probeFailure(pod, st, msg, at, time.Now()); f != nil {
				return f
			}
			break
		}
	}
	if len(t.pods) > 0 || t.obj == nil || t.w.Kind == "Pod" {
		return nil
	}
	if msg, _ := latestEvent(ctx, t.c, t.w.Namespace, string(t.obj.GetUID()), "FailedCreate"); msg != "" {
		return &Failure{Reason: "FailedCreate", Message: msg}
	}
	return nil
}
