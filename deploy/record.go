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

// recordVersion 2 keys records by cluster, namespace and deployment name.
// Version 1 keyed them by kube context and name only, so a deploy to a
// second namespace took over (and pruned) the first one's record; its
// records were each made for the namespace they name and read as such.
const recordVersion = 2

// Record is what one deployment put into one namespace of one cluster:
// enough to skip an unchanged redeploy and to purge exactly what was
// created. Records of another cluster or namespace are never acted on.
type Record struct {
	Name string `json:"name"`
	// Context is the kube context deployed through, Server the API server
	// it pointed at (empty in records from before servers were kept).
	Context   string `json:"context"`
	Server    string `json:"server,omitempty"`
	Namespace string `json:"namespace"`
	// Hash is the digest of the applied objects (after image replacement).
	Hash       string         `json:"hash"`
	DeployedAt time.Time      `json:"deployedAt"`
	Objects    []ObjectRecord `json:"objects,omitempty"`
	// Helm is set for a helm deployment: the release to uninstall.
	Helm *HelmRecord `json:"helm,omitempty"`
}

// Cluster names the cluster records belong to: the kube context and its
// API server, so that a context name reused for another cluster does not
// pick up the first cluster's records.
type Cluster struct{ Context, Server string }

// ClusterOf is the cluster client talks to.
func ClusterOf(client *kube.Client) Cluster {
	return Cluster{Context: client.Context, Server: client.Server}
}

// in reports whether rec was made in cluster c. A record without a server
// (version 1) is known by its context alone.
func (rec Record) in(c Cluster) bool {
	return rec.Context == c.Context && (rec.Server == "" || rec.Server == c.Server)
}

// sameTarget reports whether rec and o record the same deployment in the
// same namespace of the same cluster.
func (rec Record) sameTarget(o Record) bool {
	return rec.Name == o.Name && rec.Namespace == o.Namespace && rec.Context == o.Context &&
		(rec.Server == o.Server || rec.Server == "" || o.Server == "")
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
	switch f.Version {
	case recordVersion:
	case 1:
		// Each version 1 record names the context and namespace it was
		// deployed to, which is its key but for the server: it matches its
		// context on any server until the next deploy rewrites it. (Version
		// 1 kept one record per context and name, so none share a key.)
	default:
		return nil, fmt.Errorf("deployment records %s have version %d; this devspace reads versions 1 and %d: use the devspace that wrote them", path, f.Version, recordVersion)
	}
	return f.Deployments, nil
}

// Get returns the record of deployment name in namespace ns of cluster c.
func (r *Records) Get(c Cluster, ns, name string) (Record, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.IndexFunc(r.list, func(rec Record) bool { return rec.in(c) && rec.Namespace == ns && rec.Name == name })
	if i < 0 {
		return Record{}, false
	}
	return r.list[i], true
}

// In lists the records of cluster c, in every namespace, in deploy order.
func (r *Records) In(c Cluster) []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Record
	for _, rec := range r.list {
		if rec.in(c) {
			out = append(out, rec)
		}
	}
	return out
}

// Put stores rec (replacing the record of the same deployment in the same
// namespace and cluster, and moving it to the end) and writes the file.
func (r *Records) Put(rec Record) error {
	return r.update(func(list []Record) []Record {
		list = slices.DeleteFunc(list, rec.sameTarget)
		return append(list, rec)
	})
}

// Remove drops the record of rec's deployment, namespace and cluster and
// writes the file.
func (r *Records) Remove(rec Record) error {
	return r.update(func(list []Record) []Record {
		return slices.DeleteFunc(list, rec.sameTarget)
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
