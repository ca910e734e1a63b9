package rollout_test

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
	"github.com/devspace-engine/devspace/rollout"
	"github.com/devspace-engine/devspace/testbed"
)

func TestMain(m *testing.M) { os.Exit(testbed.Main(m)) }

// bed is a cluster namespace of its own and the Busybox image in the
// test bed's registry.
type bed struct {
	t      *testing.T
	c      *kube.Client
	ns     string
	image  string
	status *testbed.SyncBuffer
}

func newBed(t *testing.T) *bed {
	t.Helper()
	c, ns := kubetest.Cluster(t)
	return &bed{t: t, c: c, ns: ns, image: kubetest.Busybox(), status: &testbed.SyncBuffer{}}
}

// apply applies a YAML manifest (IMAGE replaced by the Busybox image) and
// returns it as a workload.
func (b *bed) apply(manifest string) rollout.Workload {
	b.t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(strings.ReplaceAll(manifest, "IMAGE", b.image)), &obj); err != nil {
		b.t.Fatal(err)
	}
	a, err := b.c.Apply(context.Background(), &unstructured.Unstructured{Object: obj}, b.ns)
	if err != nil {
		b.t.Fatal(err)
	}
	return rollout.Workload{Ref: a.Ref, Deployment: "app"}
}

func (b *bed) wait(timeout time.Duration, ws ...rollout.Workload) ([]rollout.Result, error) {
	return rollout.Wait(context.Background(), b.c, ws, rollout.Options{
		Timeout: timeout, Log: func(string) io.Writer { return b.status }, LogLines: 5,
	})
}

// failure waits for one workload that must fail, and returns why.
func (b *bed) failure(timeout time.Duration, w rollout.Workload) (*rollout.Failure, time.Duration) {
	b.t.Helper()
	start := time.Now()
	res, err := b.wait(timeout, w)
	var re *rollout.Error
	if !errors.As(err, &re) || len(re.Failed) != 1 || res[0].Failure == nil {
		b.t.Fatalf("want one failure, got %v (results %+v)\nstatus:\n%s", err, res, b.status)
	}
	b.t.Logf("failed after %s: %v", time.Since(start), err)
	return res[0].Failure, time.Since(start)
}

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: web
        image: IMAGE
        command: [sh, -c, 'sleep 2; touch /ready; exec sleep 3600']
        readinessProbe:
          exec: {command: [cat, /ready]}
          periodSeconds: 1
`

// TestReadyAfterRollout: the wait ends when both replicas are ready (the
// probe passes after 2 s, so it must have waited), shows the replicas
// coming up, and a second wait on the ready Deployment returns at once.
func TestReadyAfterRollout(t *testing.T) {
	b := newBed(t)
	w := b.apply(deployment)
	res, err := b.wait(2*time.Minute, w)
	if err != nil {
		t.Fatalf("%v\nstatus:\n%s", err, b.status)
	}
	if !res[0].Ready || res[0].Waited < 2*time.Second {
		t.Fatalf("want ready after at least 2 s, got %+v", res[0])
	}
	t.Logf("ready after %s; status:\n%s", res[0].Waited, b.status)
	out := b.status.String()
	for _, want := range []string{"web 0/2 ready", "web ready after "} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	res, err = b.wait(time.Minute, w)
	if err != nil || !res[0].Ready || res[0].Waited > time.Second {
		t.Fatalf("second wait: %v %+v", err, res)
	}
}

func TestImagePullFailsFastWithTheRegistrysMessage(t *testing.T) {
	b := newBed(t)
	missing := b.image[:strings.LastIndex(b.image, ":")] + ":no-such-tag"
	w := b.apply(strings.Replace(deployment, "IMAGE", missing, 1))
	f, took := b.failure(2*time.Minute, w)
	if f.Reason != "ErrImagePull" && f.Reason != "ImagePullBackOff" {
		t.Fatalf("reason %q, want an image pull failure: %s", f.Reason, f)
	}
	if f.Image != missing || !strings.Contains(f.Message, "not found") {
		t.Errorf("want the image and the registry's 'not found', got %s", f)
	}
	if took > 45*time.Second {
		t.Errorf("took %s: should fail in seconds", took)
	}
}

func TestCrashLoopShowsExitCodeAndLogTail(t *testing.T) {
	b := newBed(t)
	w := b.apply(strings.Replace(deployment, `'sleep 2; touch /ready; exec sleep 3600'`,
		`'echo starting; echo config missing >&2; exit 3'`, 1))
	f, _ := b.failure(2*time.Minute, w)
	if f.Reason != "CrashLoopBackOff" || f.ExitCode == nil || *f.ExitCode != 3 {
		t.Fatalf("want CrashLoopBackOff with exit code 3, got %s", f)
	}
	if !strings.Contains(f.Logs, "config missing") {
		t.Errorf("want the log tail, got %s", f)
	}
}

func TestUnschedulablePodSaysWhy(t *testing.T) {
	b := newBed(t)
	w := b.apply(strings.Replace(deployment, "        readinessProbe:", "        resources: {requests: {cpu: '500'}}\n        readinessProbe:", 1))
	f, _ := b.failure(2*time.Minute, w)
	if f.Reason != "Unschedulable" || !strings.Contains(f.Message, "Insufficient cpu") {
		t.Fatalf("want Unschedulable with the scheduler's message, got %s", f)
	}
}

func TestFailedJobShowsItsLog(t *testing.T) {
	b := newBed(t)
	w := b.apply(`
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: IMAGE
        command: [sh, -c, 'echo migration 7 failed: table exists; exit 4']
`)
	f, _ := b.failure(2*time.Minute, w)
	if f.Reason != "JobFailed" || f.ExitCode == nil || *f.ExitCode != 4 || !strings.Contains(f.Logs, "migration 7 failed") {
		t.Fatalf("want JobFailed with exit code 4 and the log, got %s", f)
	}
}

func TestJobThatSucceedsIsReady(t *testing.T) {
	b := newBed(t)
	w := b.apply(`
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: once, image: IMAGE, command: [sh, -c, 'sleep 1']}]
`)
	if res, err := b.wait(2*time.Minute, w); err != nil || !res[0].Ready {
		t.Fatalf("%v %+v", err, res)
	}
}

// TestReadinessProbeNeverPassingFailsFast: a probe that keeps failing
// fails the wait with its message once it has failed past its own budget
// (1 × 1 s here) and the margin, long before the timeout.
func TestReadinessProbeNeverPassingFailsFast(t *testing.T) {
	b := newBed(t)
	w := b.apply(strings.Replace(deployment, "touch /ready", "echo not-ready", 1))
	f, took := b.failure(3*time.Minute, w)
	if f.Reason != "ReadinessProbe" || !strings.Contains(f.Message, "Readiness probe failed") {
		t.Fatalf("want the readiness probe's message, got %s", f)
	}
	if took > time.Minute {
		t.Fatalf("failed after %s: not before the 3 min timeout by much", took)
	}
}

// TestReadinessProbeExecFalseFailsFast: a bare Pod whose probe runs
// `false`.
func TestReadinessProbeExecFalseFailsFast(t *testing.T) {
	b := newBed(t)
	w := b.apply(`
apiVersion: v1
kind: Pod
metadata: {name: never-ready}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: IMAGE
    command: [sleep, "3600"]
    readinessProbe: {exec: {command: ["false"]}, periodSeconds: 1, failureThreshold: 2}
`)
	f, took := b.failure(3*time.Minute, w)
	if f.Reason != "ReadinessProbe" || f.Container != "app" || !strings.Contains(f.Message, `"false" failed with no output`) ||
		!strings.Contains(f.Message, "the probe allows 2s") {
		t.Fatalf("want the readiness probe's failure, got %s", f)
	}
	if took > time.Minute {
		t.Fatalf("failed after %s: not before the 3 min timeout by much", took)
	}
}

func TestBarePodThatExitsFails(t *testing.T) {
	b := newBed(t)
	w := b.apply(`
apiVersion: v1
kind: Pod
metadata: {name: one}
spec:
  restartPolicy: Never
  containers:
  - name: one
    image: IMAGE
    command: [sh, -c, 'echo bye; sleep 1; exit 2']
    readinessProbe: {exec: {command: [cat, /ready]}, periodSeconds: 1}
`)
	f, _ := b.failure(2*time.Minute, w)
	if f.ExitCode == nil || *f.ExitCode != 2 || !strings.Contains(f.Logs, "bye") {
		t.Fatalf("want exit code 2 and the log, got %s", f)
	}
}

func TestQuotaDenialFailsWithTheMessage(t *testing.T) {
	b := newBed(t)
	b.apply(`
apiVersion: v1
kind: ResourceQuota
metadata: {name: no-pods}
spec: {hard: {pods: "0"}}
`)
	w := b.apply(deployment)
	f, _ := b.failure(2*time.Minute, w)
	if f.Reason != "FailedCreate" || !strings.Contains(f.Message, "exceeded quota") {
		t.Fatalf("want FailedCreate with the quota's message, got %s", f)
	}
}

// TestStatefulSetDaemonSetAndReplicaSetBecomeReady: the other controllers'
// rollouts, waited for together.
func TestStatefulSetDaemonSetAndReplicaSetBecomeReady(t *testing.T) {
	b := newBed(t)
	var ws []rollout.Workload
	for _, kind := range []string{"StatefulSet", "DaemonSet", "ReplicaSet"} {
		name := strings.ToLower(kind)
		m := strings.NewReplacer("KIND", kind, "NAME", name).Replace(`
apiVersion: apps/v1
kind: KIND
metadata: {name: NAME}
spec:
  selector: {matchLabels: {app: NAME}}
  template:
    metadata: {labels: {app: NAME}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: c
        image: IMAGE
        command: [sh, -c, 'sleep 1; touch /ready; exec sleep 3600']
        readinessProbe: {exec: {command: [cat, /ready]}, periodSeconds: 1}
`)
		ws = append(ws, b.apply(m))
	}
	res, err := b.wait(2*time.Minute, ws...)
	if err != nil {
		t.Fatalf("%v\nstatus:\n%s", err, b.status)
	}
	for _, r := range res {
		if !r.Ready || r.Waited < time.Second {
			t.Errorf("%s: want ready after at least 1 s, got %+v", r.Kind, r)
		}
	}
}

// TestCancelStopsTheWait: the caller giving up ends every wait at once,
// with ctx's error and no failure blamed on the workload.
func TestCancelStopsTheWait(t *testing.T) {
	b := newBed(t)
	w := b.apply(strings.Replace(deployment, "touch /ready", "echo never", 1))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	res, err := rollout.Wait(ctx, b.c, []rollout.Workload{w}, rollout.Options{Timeout: time.Minute})
	if !errors.Is(err, context.DeadlineExceeded) || res[0].Ready || res[0].Failure != nil {
		t.Fatalf("want ctx's error and no failure, got %v %+v", err, res)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s to stop", took)
	}
}

// TestAnalyzeListsTheTopControllersOnly: a Deployment is analyzed, not
// its ReplicaSet or pods; a bare Pod is; a healthy namespace has no
// problems and a failing bare Pod is one, with the deploy's reason. (The
// failing one has a readiness probe: without one it counts as ready
// while it runs.)
func TestAnalyzeListsTheTopControllersOnly(t *testing.T) {
	b := newBed(t)
	b.apply(deployment)
	b.apply(`
apiVersion: v1
kind: Pod
metadata: {name: lone}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: c, image: IMAGE, command: [sleep, "3600"]}]
`)
	problems, err := rollout.Analyze(context.Background(), b.c, b.ns, 2*time.Minute)
	if err != nil || len(problems) != 0 {
		t.Fatalf("healthy namespace: %v %+v", err, problems)
	}
	ws, err := rollout.Workloads(context.Background(), b.c, b.ns)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range ws {
		got = append(got, w.Kind+"/"+w.Name)
	}
	if strings.Join(got, " ") != "Deployment/web Pod/lone" {
		t.Fatalf("workloads %v, want the Deployment and the bare Pod", got)
	}

	b.apply(`
apiVersion: v1
kind: Pod
metadata: {name: broken}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: IMAGE
    command: [sh, -c, 'echo broken; sleep 1; exit 4']
    readinessProbe: {exec: {command: [cat, /ready]}, periodSeconds: 1}
`)
	problems, err = rollout.Analyze(context.Background(), b.c, b.ns, 2*time.Minute)
	if err != nil || len(problems) != 1 || problems[0].Name != "broken" || problems[0].Failure.ExitCode == nil || *problems[0].Failure.ExitCode != 4 {
		t.Fatalf("want the broken pod's exit code 4, got %v %+v", err, problems)
	}
}
