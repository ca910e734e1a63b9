package hookcontainer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/hookcontainer"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
	"github.com/devspace-engine/devspace/runvars"
	"github.com/devspace-engine/devspace/testbed"
)

// bed is a namespace of the test bed's cluster with a pod of two
// containers that sleep: "a" runs kubetest.Busybox(), "b" the same image
// under the tag in other; each says who it is in $WHO.
type bed struct {
	c         *kube.Client
	ns        string
	otherRepo string // other's repository, for the images: lookups
	log       *testbed.SyncBuffer
}

func newBed(t *testing.T) *bed {
	c, ns := kubetest.Cluster(t)
	other := testbed.Docker(t).RegistryBusyboxTag(t, "hookctr")
	repo, _, _ := strings.Cut(other, ":hookctr")
	pod(t, c, ns, "two", "Always",
		container("a", kubetest.Busybox(), "sleep 3600"),
		container("b", other, "sleep 3600"))
	return &bed{c: c, ns: ns, otherRepo: repo, log: &testbed.SyncBuffer{}}
}

// runner returns a Runner for the bed, whose config's directory is dir
// and whose images: has "other" (the tag of container b).
func (b *bed) runner(dir string) *hookcontainer.Runner {
	return b.runnerIn(dir, b.ns)
}

// runnerIn is runner with hooks looking in namespace ns by default.
func (b *bed) runnerIn(dir, ns string) *hookcontainer.Runner {
	store := runvars.New(map[string]runvars.Image{"other": {Image: b.otherRepo, Tag: "hookctr"}})
	return hookcontainer.New(hookcontainer.Options{
		Kube:      func() (*kube.Client, error) { return b.c, nil },
		Namespace: ns,
		Dir:       dir,
		Runtime:   store,
		Log:       b.log,
	})
}

func container(name, image, script string) map[string]any {
	return map[string]any{"name": name, "image": image, "command": []any{"sh", "-c", script},
		"env": []any{map[string]any{"name": "WHO", "value": name}}}
}

// pod creates a bare pod labelled app=name.
func pod(t *testing.T, c *kube.Client, ns, name, restart string, containers ...map[string]any) {
	t.Helper()
	var list []any
	for _, ct := range containers {
		list = append(list, ct)
	}
	kubetest.Apply(t, c, ns, &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "labels": map[string]any{"app": name}},
		"spec": map[string]any{
			"restartPolicy":                 restart,
			"terminationGracePeriodSeconds": int64(1),
			"containers":                    list,
		},
	}})
}

// slowReady is a container that becomes ready after delay seconds.
func slowReady(name string, delay int) map[string]any {
	ct := container(name, kubetest.Busybox(), fmt.Sprintf("sleep %d; mkdir -p /tmp; touch /tmp/ready; sleep 3600", delay))
	ct["readinessProbe"] = map[string]any{"exec": map[string]any{"command": []any{"test", "-e", "/tmp/ready"}}, "periodSeconds": int64(1)}
	return ct
}

// status returns the pod app=name as it is now.
func status(t *testing.T, c *kube.Client, ns, name string) kube.Candidate {
	t.Helper()
	var got []kube.Candidate
	err := kube.WatchPods(context.Background(), c, kube.Selector{Namespace: ns, Pod: name}, func(cands []kube.Candidate) (bool, error) {
		got = cands
		return true, nil
	})
	if err != nil || len(got) != 1 {
		t.Fatalf("pod %s: %v, %d pods", name, err, len(got))
	}
	return got[0]
}

func labels(app string) *config.HookContainer {
	return &config.HookContainer{LabelSelector: map[string]string{"app": app}}
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestContainerActions(t *testing.T) {
	b := newBed(t)
	t.Run("exec", func(t *testing.T) { t.Parallel(); testExec(t, b) })
	t.Run("select", func(t *testing.T) { t.Parallel(); testSelect(t, b) })
	t.Run("upload", func(t *testing.T) { t.Parallel(); testUpload(t, b) })
	t.Run("download", func(t *testing.T) { t.Parallel(); testDownload(t, b) })
	t.Run("logs", func(t *testing.T) { t.Parallel(); testLogs(t, b) })
	t.Run("wait running", func(t *testing.T) { t.Parallel(); testWaitRunning(t, b) })
	t.Run("wait terminated", func(t *testing.T) { t.Parallel(); testWaitTerminated(t, b) })
	t.Run("timeout", func(t *testing.T) { t.Parallel(); testTimeout(t, b) })
	t.Run("once", func(t *testing.T) { t.Parallel(); testOnce(t, b) })
	t.Run("rollout", func(t *testing.T) { t.Parallel(); testRollout(t, b) })
}

// testRollout runs a hook right after a Deployment changed, as
// after:deploy does: it runs in the new pod (ready after 3 s), not in the
// old one that is still ready.
func testRollout(t *testing.T, b *bed) {
	gen := func(n string) *unstructured.Unstructured {
		ct := slowReady("main", 3)
		ct["env"] = []any{map[string]any{"name": "GEN", "value": n}}
		return kubetest.Deployment("roll", ct)
	}
	kubetest.Apply(t, b.c, b.ns, gen("1"))
	kubetest.WaitPod(t, b.c, kube.Selector{Namespace: b.ns, LabelSelector: map[string]string{"app": "roll"}})
	kubetest.Apply(t, b.c, b.ns, gen("2"))
	var stdout bytes.Buffer
	if err := b.runner(t.TempDir()).Exec(ctxFor(t, time.Minute), &config.Hook{Container: labels("roll")}, []string{"sh", "-c", "echo $GEN"}, &stdout, nil); err != nil || stdout.String() != "2\n" {
		t.Errorf("exec after the rollout began: %v; ran in generation %q, want 2", err, stdout.String())
	}
}

func testExec(t *testing.T, b *bed) {
	r := b.runner(t.TempDir())
	h := &config.Hook{Name: "greet", Container: labels("two")}
	var stdout, stderr bytes.Buffer
	err := r.Exec(ctxFor(t, time.Minute), h, []string{"sh", "-c", "echo hello from $(hostname); echo oops >&2"}, &stdout, &stderr)
	if err != nil || stdout.String() != "hello from two\n" || stderr.String() != "oops\n" {
		t.Fatalf("exec: %v; stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}

	err = r.Exec(ctxFor(t, time.Minute), h, []string{"sh", "-c", "exit 3"}, &stdout, &stderr)
	var exit *kube.ExitError
	if !errors.As(err, &exit) || exit.Code != 3 || !strings.Contains(err.Error(), `hook "greet"`) || !strings.Contains(err.Error(), "pod "+b.ns+"/two container a") {
		t.Errorf("exit 3: %v, want a *kube.ExitError naming the hook and the pod", err)
	}
}

// testSelect runs in container b, chosen by name, by literal image, by an
// image of images:, by DevSpace's image()/tag() and by runtime variables.
func testSelect(t *testing.T, b *bed) {
	r := b.runner(t.TempDir())
	cases := map[string]*config.HookContainer{
		"containerName":     {LabelSelector: map[string]string{"app": "two"}, ContainerName: "b"},
		"pod":               {Pod: "two", ContainerName: "b"},
		"literal image":     {ImageSelector: b.otherRepo + ":hookctr"},
		"images name":       {ImageSelector: "other"},
		"legacy helpers":    {ImageSelector: "image(other):tag(other)"},
		"runtime variables": {ImageSelector: "${runtime.images.other.image}:${runtime.images.other.tag}"},
	}
	for name, hc := range cases {
		var stdout bytes.Buffer
		err := r.Exec(ctxFor(t, time.Minute), &config.Hook{Events: []string{"after:deploy"}, Container: hc}, []string{"sh", "-c", "echo $WHO"}, &stdout, nil)
		if err != nil || stdout.String() != "b\n" {
			t.Errorf("%s: %v; ran in %q, want b", name, err, stdout.String())
		}
	}
	// container.namespace over the runner's.
	var out bytes.Buffer
	hc := &config.HookContainer{Namespace: b.ns, Pod: "two", ContainerName: "b", Timeout: 5}
	if err := b.runnerIn(t.TempDir(), "default").Exec(ctxFor(t, time.Minute), &config.Hook{Container: hc}, []string{"sh", "-c", "echo $WHO"}, &out, nil); err != nil || out.String() != "b\n" {
		t.Errorf("namespace: %v; ran in %q, want b", err, out.String())
	}
	// The first container, when nothing names one.
	var stdout bytes.Buffer
	if err := r.Exec(ctxFor(t, time.Minute), &config.Hook{Container: &config.HookContainer{Pod: "two"}}, []string{"sh", "-c", "echo $WHO"}, &stdout, nil); err != nil || stdout.String() != "a\n" {
		t.Errorf("pod alone: %v; ran in %q, want a", err, stdout.String())
	}
	err := r.Exec(ctxFor(t, time.Minute), &config.Hook{Events: []string{"before:build"}, Container: &config.HookContainer{ImageSelector: "image(nope)"}}, []string{"true"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "hook on before:build") || !strings.Contains(err.Error(), `no image "nope"`) {
		t.Errorf("image(nope): %v, want an error naming the hook and the image", err)
	}
}

func testUpload(t *testing.T, b *bed) {
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{
		"up/f.txt":           "file",
		"tree/x.txt":         "x",
		"tree/sub/y.txt":     "y",
		"tree/sub/deep/z.md": "z",
	})
	r := b.runner(dir)
	h := &config.Hook{Name: "up", Container: labels("two"), Upload: &config.HookSyncPath{LocalPath: "up/f.txt", ContainerPath: "/up/new/f2.txt"}}
	if err := r.Upload(ctxFor(t, time.Minute), h); err != nil {
		t.Fatal(err)
	}
	h.Upload = &config.HookSyncPath{LocalPath: filepath.Join(dir, "tree"), ContainerPath: "/up/tree2"}
	if err := r.Upload(ctxFor(t, time.Minute), h); err != nil {
		t.Fatal(err)
	}
	// A localPath that is a link copies what it points to.
	if err := os.Symlink("tree", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	h.Upload = &config.HookSyncPath{LocalPath: "link", ContainerPath: "/up/linked"}
	if err := r.Upload(ctxFor(t, time.Minute), h); err != nil {
		t.Fatal(err)
	}
	p := kubetest.WaitPod(t, b.c, kube.Selector{Namespace: b.ns, Pod: "two"})
	got := kubetest.Sh(t, b.c, p, "cat /up/new/f2.txt; echo; cd /up/tree2 && find . -type f | sort && cat x.txt sub/y.txt sub/deep/z.md /up/linked/x.txt")
	if want := "file\n./sub/deep/z.md\n./sub/y.txt\n./x.txt\nxyzx"; got != want {
		t.Errorf("in the container:\n%s\nwant:\n%s", got, want)
	}

	h.Upload = &config.HookSyncPath{LocalPath: "missing", ContainerPath: "/up/x"}
	if err := r.Upload(ctxFor(t, time.Minute), h); err == nil || !strings.Contains(err.Error(), `hook "up"`) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing localPath: %v", err)
	}
}

func testDownload(t *testing.T, b *bed) {
	p := kubetest.WaitPod(t, b.c, kube.Selector{Namespace: b.ns, Pod: "two"})
	kubetest.Sh(t, b.c, p, "mkdir -p /down/out/sub && echo one > /down/one.txt && echo f > /down/out/f.txt && echo g > /down/out/sub/g.txt")
	dir := t.TempDir()
	r := b.runner(dir)
	h := &config.Hook{Name: "down", Container: labels("two"), Download: &config.HookSyncPath{LocalPath: "got/one-copy.txt", ContainerPath: "/down/one.txt"}}
	if err := r.Download(ctxFor(t, time.Minute), h); err != nil {
		t.Fatal(err)
	}
	h.Download = &config.HookSyncPath{LocalPath: "tree", ContainerPath: "/down/out"}
	if err := r.Download(ctxFor(t, time.Minute), h); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{"got/one-copy.txt": "one\n", "tree/f.txt": "f\n", "tree/sub/g.txt": "g\n"} {
		got, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", file, got, err, want)
		}
	}

	h.Download = &config.HookSyncPath{LocalPath: "x", ContainerPath: "/down/nope"}
	if err := r.Download(ctxFor(t, time.Minute), h); err == nil || !strings.Contains(err.Error(), "No such file") || !strings.Contains(err.Error(), `hook "down"`) {
		t.Errorf("missing containerPath: %v, want tar's message", err)
	}
}

func testLogs(t *testing.T, b *bed) {
	pod(t, b.c, b.ns, "printer", "Never", container("main", kubetest.Busybox(), "for i in 1 2 3 4 5; do echo line $i; done"))
	r := b.runner(t.TempDir())
	code := int32(0)
	if err := r.Wait(ctxFor(t, time.Minute), &config.Hook{Container: labels("printer"), Wait: &config.HookWait{TerminatedWithCode: &code}}); err != nil {
		t.Fatal(err)
	}
	two := int64(2)
	var out bytes.Buffer
	if err := r.Logs(ctxFor(t, time.Minute), &config.Hook{Container: labels("printer"), Logs: &config.HookLogs{TailLines: &two}}, &out); err != nil || out.String() != "line 4\nline 5\n" {
		t.Errorf("tailLines 2: %v; %q", err, out.String())
	}
	out.Reset()
	if err := r.Logs(ctxFor(t, time.Minute), &config.Hook{Container: labels("printer"), Logs: &config.HookLogs{}}, &out); err != nil || out.String() != "line 1\nline 2\nline 3\nline 4\nline 5\n" {
		t.Errorf("all lines: %v; %q", err, out.String())
	}
}

// testWaitRunning waits for a pod that becomes ready a few seconds after
// it starts.
func testWaitRunning(t *testing.T, b *bed) {
	pod(t, b.c, b.ns, "slow", "Always", slowReady("main", 4))
	r := b.runner(t.TempDir())
	if err := r.Wait(ctxFor(t, time.Minute), &config.Hook{Container: labels("slow"), Wait: &config.HookWait{Running: true}}); err != nil {
		t.Fatal(err)
	}
	st := status(t, b.c, b.ns, "slow")
	if cs := kube.ContainerStatus(st.Status, "main"); cs == nil || !cs.Ready {
		t.Errorf("wait returned before the container was ready: %s", st.State)
	}
}

// testWaitTerminated waits for a pod that exits 3, and fails at once when
// it waits for another code.
func testWaitTerminated(t *testing.T, b *bed) {
	pod(t, b.c, b.ns, "exit3", "Never", container("main", kubetest.Busybox(), "sleep 3; exit 3"))
	r := b.runner(t.TempDir())
	three, zero := int32(3), int32(0)
	if err := r.Wait(ctxFor(t, time.Minute), &config.Hook{Container: labels("exit3"), Wait: &config.HookWait{TerminatedWithCode: &three}}); err != nil {
		t.Fatal(err)
	}
	st := status(t, b.c, b.ns, "exit3")
	if cs := kube.ContainerStatus(st.Status, "main"); cs == nil || cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 3 {
		t.Errorf("wait returned before the container ended: %s", st.State)
	}

	start := time.Now()
	err := r.Wait(ctxFor(t, time.Minute), &config.Hook{Name: "zero", Container: labels("exit3"), Wait: &config.HookWait{TerminatedWithCode: &zero, Timeout: 30}})
	if err == nil || !strings.Contains(err.Error(), `hook "zero"`) || !strings.Contains(err.Error(), "exit code 3") || time.Since(start) > 20*time.Second {
		t.Errorf("terminatedWithCode 0 of a pod that exited 3: %v after %s, want a prompt error naming the code", err, time.Since(start))
	}
}

func testTimeout(t *testing.T, b *bed) {
	r := b.runner(t.TempDir())
	hc := labels("nothing")
	hc.Timeout = 2
	start := time.Now()
	ran := false
	err := r.Exec(ctxFor(t, time.Minute), &config.Hook{Name: "late", Container: hc}, []string{"sh", "-c", "echo ran"}, writerFunc(func() { ran = true }), nil)
	if err == nil || ran || !strings.Contains(err.Error(), `hook "late"`) || !strings.Contains(err.Error(), "app=nothing") || !strings.Contains(err.Error(), "within 2s") {
		t.Errorf("no pod within 2 s: %v", err)
	}
	if d := time.Since(start); d < 2*time.Second || d > 20*time.Second {
		t.Errorf("gave up after %s, want 2 s", d)
	}

	err = r.Wait(ctxFor(t, time.Minute), &config.Hook{Name: "late", Container: labels("nothing"), Wait: &config.HookWait{Running: true, Timeout: 2}})
	if err == nil || !strings.Contains(err.Error(), `hook "late"`) || !strings.Contains(err.Error(), "within 2s") {
		t.Errorf("wait with no pod: %v", err)
	}

	// A container that cannot start is named while the hook waits.
	pod(t, b.c, b.ns, "badimage", "Always", container("main", "127.0.0.1:5000/devspace-test/no-such-image:1", "true"))
	hc = labels("badimage")
	hc.Timeout = 15
	if err := r.Exec(ctxFor(t, time.Minute), &config.Hook{Name: "bad", Container: hc}, []string{"true"}, nil, nil); err == nil ||
		!strings.Contains(b.log.String(), `hook "bad": pod badimage cannot start: ErrImagePull`) && !strings.Contains(b.log.String(), `hook "bad": pod badimage cannot start: ImagePullBackOff`) {
		t.Errorf("image that cannot be pulled: %v; log:\n%s", err, b.log.String())
	}

	off := false
	hc = labels("nothing")
	hc.Wait = &off
	if err := r.Exec(ctxFor(t, time.Minute), &config.Hook{Name: "nowait", Container: hc}, []string{"echo", "ran"}, writerFunc(func() { ran = true }), nil); err != nil || ran {
		t.Errorf("wait: false and no pod: %v, ran %v; want the hook skipped", err, ran)
	}
	if !strings.Contains(b.log.String(), `hook "nowait" skipped: no running container`) {
		t.Errorf("log:\n%s", b.log.String())
	}
}

func testOnce(t *testing.T, b *bed) {
	r := b.runner(t.TempDir())
	on := true
	hc := labels("two")
	hc.Once = &on
	h := &config.Hook{Name: "once", Container: hc}
	for range 2 {
		if err := r.Exec(ctxFor(t, time.Minute), h, []string{"sh", "-c", "mkdir -p /tmp; echo x >> /tmp/once-count"}, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Exec(ctxFor(t, time.Minute), h, []string{"sh", "-c", "mkdir -p /tmp; echo y >> /tmp/once-count"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	p := kubetest.WaitPod(t, b.c, kube.Selector{Namespace: b.ns, Pod: "two"})
	if got := kubetest.Sh(t, b.c, p, "cat /tmp/once-count"); got != "x\ny\n" {
		t.Errorf("ran %q, want the first command once and the second once", got)
	}
	if !strings.Contains(b.log.String(), `hook "once" skipped: it ran in`) {
		t.Errorf("log:\n%s", b.log.String())
	}
}

// writerFunc calls f on a write.
type writerFunc func()

func (f writerFunc) Write(p []byte) (int, error) {
	f()
	return len(p), nil
}
