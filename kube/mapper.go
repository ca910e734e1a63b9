package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
)

// mapping is what the client needs to know about a kind: its resource
// name and whether it is namespaced.
type mapping struct {
	Resource   schema.GroupVersionResource
	Namespaced bool
}

// mapper resolves kinds by reading /api/v1 or /apis/GROUP/VERSION once per
// group version, the one request a kind needs. client-go's discovery
// package would do the same but links every built-in API type and
// registers them at start-up, a cost every devspace call would pay.
type mapper struct {
	rest rest.Interface

	mu    sync.Mutex
	lists map[schema.GroupVersion]*gvEntry
}

type gvEntry struct {
	once  sync.Once
	kinds map[string]mapping
	err   error
}

// NoKindError says the cluster serves no such kind.
type NoKindError struct{ GVK schema.GroupVersionKind }

func (e *NoKindError) Error() string {
	return fmt.Sprintf("the cluster does not know kind %q in apiVersion %q (a typo, or its CRD is not installed?)", e.GVK.Kind, e.GVK.GroupVersion())
}

func newMapper(rc rest.Interface) *mapper {
	return &mapper{rest: rc, lists: map[schema.GroupVersion]*gvEntry{}}
}

// lookup returns the mapping of gvk; a kind the cached list lacks causes
// one fresh read (a CRD may have been applied a moment ago).
func (m *mapper) lookup(ctx context.Context, gvk schema.GroupVersionKind) (mapping, error) {
	for attempt := 0; attempt < 2; attempt++ {
		e := m.entry(gvk.GroupVersion(), attempt > 0)
		e.once.Do(func() { e.kinds, e.err = m.read(ctx, gvk.GroupVersion()) })
		if e.err != nil {
			m.drop(gvk.GroupVersion(), e) // the next lookup tries again
			return mapping{}, e.err
		}
		if mp, ok := e.kinds[gvk.Kind]; ok {
			return mp, nil
		}
	}
	return mapping{}, &NoKindError{GVK: gvk}
}

func (m *mapper) entry(gv schema.GroupVersion, fresh bool) *gvEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.lists[gv]
	if e == nil || fresh {
		e = &gvEntry{}
		m.lists[gv] = e
	}
	return e
}

func (m *mapper) drop(gv schema.GroupVersion, e *gvEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lists[gv] == e {
		delete(m.lists, gv)
	}
}

func (m *mapper) read(ctx context.Context, gv schema.GroupVersion) (map[string]mapping, error) {
	p := path.Join("/apis", gv.Group, gv.Version)
	if gv.Group == "" {
		p = path.Join("/api", gv.Version)
	}
	raw, err := m.rest.Get().AbsPath(p).Do(ctx).Raw()
	if apierrors.IsNotFound(err) {
		return map[string]mapping{}, nil
	}
	if err != nil {
		return nil, err
	}
	var list metav1.APIResourceList
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("read the resources of %s: %w", gv, err)
	}
	kinds := map[string]mapping{}
	for _, r := range list.APIResources {
		if strings.Contains(r.Name, "/") { // subresources (pods/log, …)
			continue
		}
		kinds[r.Kind] = mapping{Resource: gv.WithResource(r.Name), Namespaced: r.Namespaced}
	}
	return kinds, nil
}
