package dev

import (
	"context"
	"fmt"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devspace-engine/devspace/kube"
)

// The project lock is a Lease in the dev namespace: one `devspace dev` per
// project and namespace, as DevSpace's lock. It is renewed while dev runs
// and expires by itself when the holder died (kill -9), so a crash never
// leaves the project locked for longer than leaseSeconds.
const (
	leaseSeconds = 30
	leaseRenew   = 10 * time.Second
)

// lock is a held project lock.
type lock struct {
	c      *kube.Client
	ref    kube.Ref
	holder string
	stop   chan struct{}
	done   chan struct{}
}

func holderIdentity() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}

// acquireLock takes the project's lock in namespace, or says who holds it.
func acquireLock(ctx context.Context, c *kube.Client, namespace, project string) (*lock, error) {
	l := &lock{c: c, holder: holderIdentity(), stop: make(chan struct{}), done: make(chan struct{}),
		ref: kube.Ref{APIVersion: "coordination.k8s.io/v1", Kind: "Lease", Namespace: namespace, Name: "devspace-dev-" + project}}
	cur, err := c.Get(ctx, l.ref)
	if err != nil {
		return nil, fmt.Errorf("dev lock: %w", err)
	}
	if cur != nil {
		holder, _, _ := unstructured.NestedString(cur.Object, "spec", "holderIdentity")
		renewed, _, _ := unstructured.NestedString(cur.Object, "spec", "renewTime")
		t, perr := time.Parse(time.RFC3339Nano, renewed)
		if holder != "" && holder != l.holder && perr == nil && time.Since(t) < leaseSeconds*time.Second {
			return nil, fmt.Errorf("devspace dev already runs for project %q in namespace %s (%s, renewed %s ago); stop it first, or wait %ds if it was killed", project, namespace, holder, time.Since(t).Round(time.Second), leaseSeconds)
		}
	}
	if err := l.renew(ctx); err != nil {
		return nil, err
	}
	go l.keep()
	return l, nil
}

func (l *lock) renew(ctx context.Context) error {
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": l.ref.APIVersion, "kind": l.ref.Kind,
		"metadata": map[string]any{"name": l.ref.Name},
		"spec": map[string]any{
			"holderIdentity":       l.holder,
			"leaseDurationSeconds": int64(leaseSeconds),
			"renewTime":            time.Now().UTC().Format("2006-01-02T15:04:05.000000Z07:00"),
		},
	}}
	_, err := l.c.Apply(ctx, obj, l.ref.Namespace)
	if err != nil {
		return fmt.Errorf("dev lock %s: %w", l.ref.Name, err)
	}
	return nil
}

// keep renews the lease until release; a failed renewal is retried at
// the next tick (the lease outlives a short API outage).
func (l *lock) keep() {
	defer close(l.done)
	t := time.NewTicker(leaseRenew)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = l.renew(ctx)
			cancel()
		}
	}
}

// release stops renewing and deletes the lease.
func (l *lock) release() {
	close(l.stop)
	<-l.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.c.Delete(ctx, l.ref, false)
}
