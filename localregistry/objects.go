package localregistry

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// portName names the registry's port on the Service and the container.
const portName = "registry"

// dataDir is where the registry keeps its images (the image's default).
const dataDir = "/var/lib/registry"

func (s Settings) labels() map[string]string { return map[string]string{"app": s.Name} }

// service is the NodePort Service: the node port is the address the
// nodes pull from, and the local port of the push's port-forward.
func (s Settings) service() *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, Labels: s.labels()},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeNodePort,
			Selector: s.labels(),
			Ports: []corev1.ServicePort{{
				Name: portName, Protocol: corev1.ProtocolTCP,
				Port: int32(s.Port), TargetPort: intstr.FromString(portName),
			}},
		},
	}
}

// podTemplate runs the registry on s.Port (REGISTRY_HTTP_ADDR, which the
// distribution registry reads over its config file, so localRegistry.port
// works with the stock image) with its data on the volume named volume.
func (s Settings) podTemplate(volume string) corev1.PodTemplateSpec {
	probe := &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/v2/", Port: intstr.FromString(portName)}},
		PeriodSeconds:    5,
		FailureThreshold: 3,
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: s.labels()},
		Spec: corev1.PodSpec{
			EnableServiceLinks: new(bool),
			Containers: []corev1.Container{{
				Name:           "registry",
				Image:          s.Image,
				Env:            []corev1.EnvVar{{Name: "REGISTRY_HTTP_ADDR", Value: ":" + strconv.Itoa(s.Port)}},
				Ports:          []corev1.ContainerPort{{Name: portName, ContainerPort: int32(s.Port), Protocol: corev1.ProtocolTCP}},
				ReadinessProbe: probe,
				LivenessProbe:  &corev1.Probe{ProbeHandler: probe.ProbeHandler, InitialDelaySeconds: 10, PeriodSeconds: 20, FailureThreshold: 3},
				SecurityContext: &corev1.SecurityContext{
					RunAsUser:                ptr(int64(1000)),
					RunAsNonRoot:             ptr(true),
					ReadOnlyRootFilesystem:   ptr(true),
					AllowPrivilegeEscalation: ptr(false),
				},
				VolumeMounts: []corev1.VolumeMount{{Name: volume, MountPath: dataDir}},
			}},
		},
	}
}

// deployment keeps the images in an emptyDir: they last as long as the pod.
func (s Settings) deployment() *appsv1.Deployment {
	tpl := s.podTemplate("data")
	tpl.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, Labels: s.labels()},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: s.labels()},
			// Recreate: two registries never share the name's pods, and a
			// new one does not wait for the old one's port.
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Template: tpl,
		},
	}
}

// claimName is the volume claim template's name; the claim of the
// StatefulSet's one pod is claimName-NAME-0.
const claimName = "data"

// statefulSet keeps the images on a volume claim, across pod restarts.
func (s Settings) statefulSet() *appsv1.StatefulSet {
	claim := corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: claimName, Labels: s.labels()},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(s.Size)}},
		},
	}
	if s.StorageClass != "" {
		claim.Spec.StorageClassName = ptr(s.StorageClass)
	}
	return &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, Labels: s.labels()},
		Spec: appsv1.StatefulSetSpec{
			Replicas:             ptr(int32(1)),
			ServiceName:          s.Name,
			Selector:             &metav1.LabelSelector{MatchLabels: s.labels()},
			Template:             s.podTemplate(claimName),
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{claim},
		},
	}
}

// claim is the StatefulSet pod's volume claim, which outlives it.
func (s Settings) claim() string { return claimName + "-" + s.Name + "-0" }

func toUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: m}
	// Server-side apply refuses the converter's empty status and null
	// creationTimestamp as fields it does not own.
	delete(u.Object, "status")
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "spec", "template", "metadata", "creationTimestamp")
	return u, nil
}

func ptr[T any](v T) *T { return &v }
