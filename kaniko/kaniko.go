// Package kaniko builds images in the cluster with kaniko: one pod per
// image, the build context streamed into it over attach, its log streamed
// back, the pushed digest read from the pod's termination message, and
// the pod removed afterwards whatever happened.
package kaniko

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/pullsecret"
)

// Builder runs kaniko builds in one cluster.
type Builder struct {
	Client *kube.Client
	// Logins are the stored registry logins the push secret is made of.
	Logins pullsecret.Logins
}

// Build builds req in a kaniko pod and pushes every tag (kaniko cannot
// keep an image anywhere else). The phases are logged with their times:
// the pod lifecycle, not kaniko, is most of a small build.
func (b *Builder) Build(ctx context.Context, req imagebuild.Request) (imagebuild.Result, error) {
	if len(req.Tags) == 0 {
		return imagebuild.Result{}, fmt.Errorf("building %s: no tags", req.Image)
	}
	if o := req.Options; len(o.Secrets) > 0 || len(o.SSH) > 0 {
		return imagebuild.Result{}, fmt.Errorf("building %s: kaniko cannot serve --secret or --ssh to RUN --mount (it has no BuildKit session): build this image with docker or buildKit, on a reachable Docker Engine or buildKit.inCluster", req.Image)
	}
	if o := req.Options; len(o.CacheFrom) > 0 || len(o.CacheTo) > 0 {
		return imagebuild.Result{}, fmt.Errorf("building %s: --cache-from and --cache-to are BuildKit's: kaniko caches with its own flags (kaniko.args: --cache=true --cache-repo=REPO)", req.Image)
	}
	if len(req.Options.Contexts) > 0 {
		return imagebuild.Result{}, fmt.Errorf("building %s: kaniko cannot read --build-context (named contexts are BuildKit's): build this image with docker or buildKit", req.Image)
	}
	cfg := req.Config.Kaniko
	if cfg == nil {
		cfg = &config.KanikoBuild{} // the fallback for an unreachable Docker daemon
	}
	if !req.Push {
		fmt.Fprintf(req.Log, "warning: kaniko keeps no image when it does not push (skipPush); the build only checks that the image builds\n")
	}
	ns := cmp.Or(cfg.Namespace, b.Client.Namespace)
	if err := b.Client.EnsureNamespace(ctx, ns); err != nil {
		return imagebuild.Result{}, err
	}
	secret, err := b.pushSecret(ctx, req, cfg, ns)
	if err != nil {
		return imagebuild.Result{}, err
	}
	spec, err := podSpec(req, cfg, ns, secret)
	if err != nil {
		return imagebuild.Result{}, err
	}
	r := &run{b: b, req: req, ns: ns, start: time.Now()}
	defer r.cleanup(ctx)
	return r.build(ctx, spec)
}

// run is one build pod's life.
type run struct {
	b     *Builder
	req   imagebuild.Request
	ns    string
	name  string
	start time.Time
}

func (r *run) pods() dynamic.ResourceInterface { return r.b.Client.Pods(r.ns) }

func (r *run) build(ctx context.Context, spec *corev1.Pod) (imagebuild.Result, error) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(spec)
	if err != nil {
		return imagebuild.Result{}, err
	}
	created, err := r.pods().Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{})
	if err != nil {
		return imagebuild.Result{}, fmt.Errorf("create the kaniko build pod in namespace %s: %w", r.ns, err)
	}
	r.name = created.GetName()
	pw, err := r.b.Client.WatchPod(ctx, r.ns, r.name, created.GetResourceVersion())
	if err != nil {
		return imagebuild.Result{}, err
	}
	defer pw.Stop()
	if err := r.waitStarted(ctx, pw); err != nil {
		return imagebuild.Result{}, err
	}
	r.phase("pod %s/%s running", r.ns, r.name)
	if err := r.stream(ctx); err != nil {
		return imagebuild.Result{}, err
	}
	pod, err := pw.Until(ctx, func(p *corev1.Pod) (bool, error) { return kube.ContainerEnded(p, containerName), nil })
	if err != nil {
		return imagebuild.Result{}, err
	}
	return r.result(pod)
}

// waitStarted waits for the kaniko container to run, saying once why the
// pod waits for a node.
func (r *run) waitStarted(ctx context.Context, pw *kube.PodWatch) error {
	ctx, cancel := context.WithTimeoutCause(ctx, startTimeout, fmt.Errorf("build pod %s/%s did not start within %s", r.ns, r.name, startTimeout))
	defer cancel()
	said := ""
	_, err := pw.Until(ctx, func(p *corev1.Pod) (bool, error) {
		if msg := kube.Unscheduled(p); msg != "" && msg != said {
			said = msg
			fmt.Fprintf(r.req.Log, "build pod %s waits for a node: %s\n", r.name, msg)
		}
		return kube.ContainerStarted(p, containerName)
	})
	var se *kube.StartError
	switch {
	case errors.As(err, &se) && se.ImageProblem():
		return fmt.Errorf("build %w; check kaniko.image (%s) and that the cluster's nodes can pull it", err, se.Image)
	case se != nil && se.Reason == "CreateContainerConfigError":
		return fmt.Errorf("build %w; check the secrets and config maps the build pod uses (kaniko.pullSecret, kaniko.additionalMounts, kaniko.envFrom)", err)
	case err != nil && ctx.Err() != nil && context.Cause(ctx) != ctx.Err():
		return context.Cause(ctx)
	}
	return err
}

// stream sends the context and copies the log until the container ends.
func (r *run) stream(ctx context.Context) error {
	var wg sync.WaitGroup
	var sendErr error
	wg.Go(func() {
		sendErr = sendContext(ctx, r.b.Client, r.ns, r.name, r.req, func(s docker.ContextStats) {
			r.phase("sent build context: %s", s)
		})
	})
	logErr := followLogs(ctx, r.b.Client, r.ns, r.name, r.req.Log)
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if sendErr != nil {
		return sendErr
	}
	return logErr
}

// result reads kaniko's exit code and the digest it wrote.
func (r *run) result(pod *corev1.Pod) (imagebuild.Result, error) {
	t := kube.ContainerStatus(pod, containerName).State.Terminated
	msg := strings.TrimSpace(t.Message)
	if t.ExitCode != 0 {
		return imagebuild.Result{}, fmt.Errorf("kaniko exited with code %d in pod %s/%s (%s)", t.ExitCode, r.ns, r.name, errorLine(msg))
	}
	r.phase("kaniko done")
	if !strings.HasPrefix(msg, "sha256:") {
		return imagebuild.Result{}, nil // --no-push writes no digest
	}
	return imagebuild.Result{Digest: msg}, nil // kaniko keeps no image store: no image ID
}

// cleanup deletes the build pod after success, failure and cancellation
// alike, with a context of its own (ctx may be the cancelled one).
func (r *run) cleanup(ctx context.Context) {
	if r.name == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	grace := int64(0)
	err := r.pods().Delete(ctx, r.name, metav1.DeleteOptions{GracePeriodSeconds: &grace})
	if err != nil && !apierrors.IsNotFound(err) {
		fmt.Fprintf(r.req.Log, "warning: could not delete build pod %s/%s: %v\n", r.ns, r.name, err)
	}
}

func (r *run) phase(format string, args ...any) {
	fmt.Fprintf(r.req.Log, "%s (%.1fs)\n", fmt.Sprintf(format, args...), time.Since(r.start).Seconds())
}

// errorLine picks kaniko's own error line from a failed build's last log
// lines ("error building image: …"), which the build's own output may
// follow (stdout and stderr interleave), else the last line.
func errorLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "error ") {
			return lines[i]
		}
	}
	return lines[len(lines)-1]
}

// startTimeout bounds the wait for the build pod's container to start: a
// pod that cannot start says why long before (image pull errors and
// missing secrets are reported at once); this only ends a silent wait.
const startTimeout = 5 * time.Minute
