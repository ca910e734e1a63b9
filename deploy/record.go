package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/statefile"
)

const recordVersion = 1

// Record is what one deployment put into one cluster: enough to skip an
// unchanged redeploy and to purge exactly what was created.
type Record struct {
	Name string `json:"name"`
	// Context is the kube context deployed to; records of other contexts
	// are never acted on.
	Context   string `json:"context"`
	Namespace string `json:"namespace"`
	// Hash is the digest of the applied objects (after image replacement).
	Hash       string         `json:"hash"`
	DeployedAt time.Time      `json:"deployedAt"`
	Objects    []ObjectRecord `json:"objects,omitempty"`
	// Helm is set for a helm deployment: the release to uninstall.
	Helm *HelmRecord `json:"helm,omitempty"`
}

// ObjectRecord is one applied object, in apply order.
type ObjectRecord struct {
	kube.Ref
	// Created is true when devspace created the object; an object that
	// existed before (someone else's) is never deleted by purge.
	Created bool `json:"created"`
	// ResourceVersion tells an unchanged object from a configured one on
	// the next deploy.
	ResourceVersion string `json:"resourceVersion,omitempty"`
}

// Records are the deployments recorded in a project's
// .devspace/deployments*.json, in deploy order (purge goes in reverse).
type Records struct {
	path string

	mu   sync.Mutex
	list []Record
}

type recordFile struct {
	Version     int      `json:"version"`
	Deployments []Record `json:"deployments"`
}

// RecordsPath is where the records of the config at configPath live,
// next to the build cache.
func RecordsPath(configPath string) string {
	return statefile.ProjectFile(configPath, "deployments")
}

// LoadRecords reads the records; a missing file is an empty list.
func LoadRecords(path string) (*Records, error) {
	list, err := readRecords(path)
	if err != nil {
		return nil, err
	}
	return &Records{path: path, list: list}, nil
}

func readRecords(path string) ([]Record, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read deployment records: %w", err)
	}
	var f recordFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("deployment records %s are corrupt (%v): check them, or delete the file if nothing it lists is deployed", path, err)
	}
	if f.Version != recordVersion {
		return nil, fmt.Errorf("deployment records %s have version %d; this devspace reads version %d", path, f.Version, recordVersion)
	}
	return f.Deployments, nil
}

// Get returns the record of deployment name in context.
func (r *Records) Get(context, name string) (Record, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := r.index(context, name)
	if i < 0 {
		return Record{}, false
	}
	return r.list[i], true
}

// In lists the records of context, in deploy order.
func (r *Records) In(context string) []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Record
	for _, rec := range r.list {
		if rec.Context == context {
			out = append(out, rec)
		}
	}
	return out
}

func (r *Records) index(context, name string) int {
	return slices.IndexFunc(r.list, func(rec Record) bool { return rec.Context == context && rec.Name == name })
}

// Put stores rec (replacing the record of the same deployment and moving
// it to the end) and writes the file.
func (r *Records) Put(rec Record) error {
	return r.update(func(list []Record) []Record {
		list = slices.DeleteFunc(list, func(o Record) bool { return o.Context == rec.Context && o.Name == rec.Name })
		return append(list, rec)
	})
}

// Remove drops the record of deployment name in context and writes the file.
func (r *Records) Remove(context, name string) error {
	return r.update(func(list []Record) []Record {
		return slices.DeleteFunc(list, func(o Record) bool { return o.Context == context && o.Name == name })
	})
}

// update re-reads the file under its lock (another devspace process may
// have written it), applies change, and writes it atomically.
func (r *Records) update(change func([]Record) []Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return statefile.Locked(r.path, func() error {
		list, err := readRecords(r.path)
		if err != nil {
			return err
		}
		list = change(list)
		data, err := json.MarshalIndent(recordFile{Version: recordVersion, Deployments: list}, "", "  ")
		if err != nil {
			return err
		}
		if err := statefile.WriteAtomic(r.path, append(data, '\n')); err != nil {
			return fmt.Errorf("write deployment records: %w", err)
		}
		r.list = list
		return nil
	})
}

// Any reports whether anything is recorded, in any context.
func (r *Records) Any() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.list) > 0
}
