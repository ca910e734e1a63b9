// Package rollout waits for deployed workloads (Deployments,
// StatefulSets, DaemonSets, ReplicaSets, Jobs and bare Pods) to be rolled
// out and ready, and when one cannot become ready says why at once: the
// image that cannot be pulled and the registry's message, the crashing
// container's exit code and last log lines, the scheduler's message, a
// failed Job's log, a quota or admission denial. A workload that is
// already ready costs one read; the others are followed through watches.
package rollout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/devspace-engine/devspace/kube"
)

// Workload is one object to wait for.
type Workload struct {
	kube.Ref
	// Deployment is the devspace deployment that made it, for the output.
	Deployment string `json:"deployment,omitempty"`
	// Seen, when set, is the object as just read (by a deploy that found
	// it unchanged): the wait starts from it instead of reading it again.
	Seen *unstructured.Unstructured `json:"-"`
}

// resources are the workload kinds waited for; other objects are ready
// once applied.
var resources = map[schema.GroupKind]string{
	{Group: "apps", Kind: "Deployment"}:  "deployments",
	{Group: "apps", Kind: "StatefulSet"}: "statefulsets",
	{Group: "apps", Kind: "DaemonSet"}:   "daemonsets",
	{Group: "apps", Kind: "ReplicaSet"}:  "replicasets",
	{Group: "batch", Kind: "Job"}:        "jobs",
	{Group: "", Kind: "Pod"}:             "pods",
}

// IsWorkload says whether objects of this apiVersion and kind are waited
// for.
func IsWorkload(apiVersion, kind string) bool {
	gv, err := schema.ParseGroupVersion(apiVersion)
	_, ok := resources[schema.GroupKind{Group: gv.Group, Kind: kind}]
	return err == nil && ok
}

func resourceOf(ref kube.Ref) (schema.GroupVersionResource, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return schema.GroupVersionResource{}, err
	}
	r, ok := resources[schema.GroupKind{Group: gv.Group, Kind: ref.Kind}]
	if !ok {
		return schema.GroupVersionResource{}, fmt.Errorf("%s is not a workload", ref)
	}
	return gv.WithResource(r), nil
}

// Options change how Wait waits and reports.
type Options struct {
	// Timeout bounds the whole wait; 0 waits until ctx ends.
	Timeout time.Duration
	// Log is where a deployment's status lines go (one line per change);
	// nil prints none.
	Log func(deployment string) io.Writer
	// Live, when set (a terminal), shows one line per workload there,
	// redrawn as they change, instead of Log.
	Live io.Writer
	// LogLines is how many log lines a failure shows (default 20).
	LogLines int64
	// KeepGoing: a failure does not stop the other waits, so that each
	// workload's own reason is found.
	KeepGoing bool
}

// Result is how one workload's wait ended.
type Result struct {
	Workload
	Ready bool `json:"ready"`
	// Waited is how long it took to become ready (or to fail); in JSON,
	// waitedSeconds.
	Waited time.Duration `json:"-"`
	// Failure is why it is not ready; nil when it is, or when the wait
	// stopped because another workload failed.
	Failure *Failure `json:"failure,omitempty"`
}

// Error lists the workloads that cannot become ready, and why.
type Error struct{ Failed []Result }

func (e *Error) Error() string {
	var parts []string
	for _, r := range e.Failed {
		parts = append(parts, fmt.Sprintf("%s is not ready: %s", r.label(), r.Failure))
	}
	return strings.Join(parts, "\n")
}

func (r Result) label() string {
	s := r.Kind + "/" + r.Name
	if r.Deployment != "" {
		s = "deployment " + r.Deployment + ": " + s
	}
	return s
}

// errTimeout is the cause of a context ended by Options.Timeout.
var errTimeout = errors.New("timed out")

// errOtherFailed is the cause of the waits stopped by a failure.
var errOtherFailed = errors.New("another workload failed")

// Wait waits for every workload concurrently until each is ready, one
// fails, or the timeout or ctx ends. The first failure stops the other
// waits (unless Options.KeepGoing). It returns every result, and an *Error when any failed or timed
// out (ctx's error when ctx ended).
func Wait(ctx context.Context, c *kube.Client, ws []Workload, opts Options) ([]Result, error) {
	if len(ws) == 0 {
		return nil, nil
	}
	if opts.LogLines == 0 {
		opts.LogLines = 20
	}
	waitCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if opts.Timeout > 0 {
		var stop context.CancelFunc
		waitCtx, stop = context.WithTimeoutCause(waitCtx, opts.Timeout, errTimeout)
		defer stop()
	}
	show := newDisplay(ws, opts)
	results := make([]Result, len(ws))
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Go(func() {
			t := &tracker{c: c, w: w, opts: opts, show: func(line string) { show.set(i, line) }}
			results[i] = t.run(waitCtx)
			if results[i].Failure != nil && !opts.KeepGoing {
				cancel(errOtherFailed)
			}
		})
	}
	wg.Wait()
	show.done(results)
	if err := ctx.Err(); err != nil {
		return results, err
	}
	var failed []Result
	for _, r := range results {
		if r.Failure != nil {
			failed = append(failed, r)
		}
	}
	if len(failed) > 0 {
		return results, &Error{Failed: failed}
	}
	return results, nil
}

func schemaGVR(group, version, resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: group, Version: version, Resource: resource}
}

// MarshalJSON writes Waited as waitedSeconds.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		plain
		WaitedSeconds float64 `json:"waitedSeconds"`
	}{plain(r), r.Waited.Seconds()})
}
