package deploy

import (
	"context"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"
)

// clusterScoped are the built-in kinds that take no namespace, so that
// rendering (which asks no cluster) does not put one on them.
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "StorageClass": true,
	"ClusterRole": true, "ClusterRoleBinding": true, "CustomResourceDefinition": true,
	"PriorityClass": true, "IngressClass": true, "RuntimeClass": true, "CSIDriver": true,
	"MutatingWebhookConfiguration": true, "ValidatingWebhookConfiguration": true,
	"APIService": true, "ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
}

// render writes deployment name's final objects as YAML documents, each
// with a comment saying where it came from. Nothing touches a cluster.
func (d *Deployer) render(ctx context.Context, name string, w io.Writer, namespace string) error {
	if dep := d.Config.Deployments[name]; dep != nil && dep.Helm != nil {
		return d.renderHelm(ctx, name, w, namespace)
	}
	manifests, _, err := d.objects(name)
	if err != nil {
		return err
	}
	ns := d.Config.Deployments[name].Namespace
	if ns == "" {
		ns = namespace
	}
	for _, m := range manifests {
		obj := m.Object
		if ns != "" && obj.GetNamespace() == "" && !clusterScoped[obj.GetKind()] {
			obj.SetNamespace(ns)
		}
		data, err := yaml.Marshal(obj.Object)
		if err != nil {
			return fmt.Errorf("deployment %s: %s: %w", name, m.Where(), err)
		}
		if _, err := fmt.Fprintf(w, "---\n# deployment %s, from %s\n%s", name, m.Where(), data); err != nil {
			return err
		}
	}
	return nil
}
