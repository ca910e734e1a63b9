// Package localregistry runs a container registry in the cluster for
// images that have no registry this machine can push to (DevSpace v6.3's
// localRegistry): a Deployment (or, with persistence, a StatefulSet with
// a volume claim) and a NodePort Service, made on first use and reused.
// Images are built on this machine and pushed through a port-forward on
// loopback whose local port is the Service's node port, so that the one
// name, localhost:NODEPORT/REPO, works for the push here and for the
// nodes' pulls (kube-proxy serves node ports on the nodes' localhost, and
// container runtimes pull from localhost over plain HTTP).
package localregistry

import (
	"fmt"

	"github.com/distribution/reference"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/devspace-engine/devspace/config"
)

// Defaults, as in DevSpace v6.
const (
	DefaultName  = "registry"
	DefaultImage = "registry:2.8"
	DefaultPort  = 5000
	DefaultSize  = "5Gi"
)

// Settings say which registry to run and where.
type Settings struct {
	Namespace, Name, Image string
	Port                   int
	// Persistent keeps the images on a volume claim of Size (and
	// StorageClass, "" for the cluster's default) in a StatefulSet.
	Persistent         bool
	Size, StorageClass string
}

// FromConfig reads the config's localRegistry (nil: all defaults); the
// registry goes to defaultNamespace unless it names its own.
func FromConfig(cfg *config.Config, defaultNamespace string) (Settings, error) {
	s := Settings{Namespace: defaultNamespace, Name: DefaultName, Image: DefaultImage, Port: DefaultPort, Size: DefaultSize}
	lr := cfg.LocalRegistry
	if lr == nil {
		return s, nil
	}
	s.Namespace = nonEmpty(lr.Namespace, s.Namespace)
	s.Name = nonEmpty(lr.Name, s.Name)
	s.Image = nonEmpty(lr.Image, s.Image)
	if lr.Port != nil {
		s.Port = *lr.Port
	}
	if p := lr.Persistence; p != nil && p.Enabled != nil && *p.Enabled {
		s.Persistent = true
		s.Size = nonEmpty(p.Size, s.Size)
		s.StorageClass = p.StorageClassName
	} else if p != nil && (p.Size != "" || p.StorageClassName != "") {
		field := "size"
		if p.Size == "" {
			field = "storageClassName"
		}
		pos, _ := cfg.Pos("localRegistry.persistence." + field)
		return s, fmt.Errorf("%s: localRegistry.persistence.%s has no effect without persistence.enabled: true; enable it or remove the field", pos, field)
	}
	return s, s.check(cfg)
}

func (s Settings) check(cfg *config.Config) error {
	at := func(field string) string {
		pos, _ := cfg.Pos("localRegistry." + field)
		return pos.String()
	}
	if s.Port < 1 || s.Port > 65535 {
		return fmt.Errorf("%s: localRegistry.port %d is not a port (1-65535)", at("port"), s.Port)
	}
	if len(validation.IsDNS1123Label(s.Name)) > 0 {
		return fmt.Errorf("%s: localRegistry.name %q is not a Kubernetes object name (lower case letters, digits and '-')", at("name"), s.Name)
	}
	if _, err := resource.ParseQuantity(s.Size); s.Persistent && err != nil {
		return fmt.Errorf("%s: localRegistry.persistence.size %q is not a storage size such as 5Gi", at("persistence.size"), s.Size)
	}
	if _, err := reference.ParseNormalizedNamed(s.Image); err != nil {
		return fmt.Errorf("%s: localRegistry.image %q: %v", at("image"), s.Image, err)
	}
	return nil
}

func nonEmpty(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
