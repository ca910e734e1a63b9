package localregistry

import (
	"context"
	"fmt"

	"github.com/devspace-engine/devspace/kube"
)

// Remove deletes the registry of s: its Deployment or StatefulSet, its
// Service and its volume claim, with the images they hold. It returns
// what it found and deleted.
func Remove(ctx context.Context, c *kube.Client, s Settings) ([]string, error) {
	r := &Registry{Settings: s, client: c}
	refs := []kube.Ref{
		r.ref(s.statefulSet()), r.ref(s.deployment()), r.ref(s.service()),
		{APIVersion: "v1", Kind: "PersistentVolumeClaim", Namespace: s.Namespace, Name: s.claim()},
	}
	var removed []string
	for _, ref := range refs {
		obj, err := c.Get(ctx, ref)
		if err != nil {
			return removed, fmt.Errorf("local registry: %w", err)
		}
		if obj == nil {
			continue
		}
		ref.UID = string(obj.GetUID())
		if err := c.Delete(ctx, ref, true); err != nil {
			return removed, fmt.Errorf("local registry: delete %s: %w", ref, err)
		}
		removed = append(removed, ref.Kind+"/"+ref.Name)
	}
	return removed, nil
}
