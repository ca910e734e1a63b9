package kaniko

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
)

// DefaultImage is the executor image when kaniko.image is not set: the
// last release of the upstream project.
const DefaultImage = "gcr.io/kaniko-project/executor:v1.24.0"

// Labels and annotations of every build pod, so that they can be found
// (and cleaned up) by what they are.
const (
	LabelBuild      = "devspace.sh/build"
	AnnotationImage = "devspace.sh/image"
	containerName   = "kaniko"
	dockerConfigDir = "/kaniko/.docker"
)

// podSpec is the build pod of req: one kaniko container reading the build
// context as a tar stream on stdin (no init container, no copy step), its
// digest written to the termination message, the push secret mounted as
// kaniko's docker config.
func podSpec(req imagebuild.Request, cfg *config.KanikoBuild, namespace, secret string) (*corev1.Pod, error) {
	c := corev1.Container{
		Name:            containerName,
		Image:           cmp.Or(cfg.Image, DefaultImage),
		Command:         cfg.Command,
		Args:            executorArgs(req, cfg),
		Stdin:           true,
		StdinOnce:       true,
		ImagePullPolicy: corev1.PullIfNotPresent,
		// A failed build's message is its last log lines; a successful
		// one's is the digest kaniko wrote.
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
	for _, k := range slices.Sorted(maps.Keys(cfg.Env)) {
		c.Env = append(c.Env, corev1.EnvVar{Name: k, Value: cfg.Env[k]})
	}
	if err := envFrom(&c, cfg.EnvFrom); err != nil {
		return nil, err
	}
	var err error
	if c.Resources, err = resources(cfg.Resources); err != nil {
		return nil, err
	}
	pod := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: cmp.Or(cfg.GenerateName, "devspace-build-kaniko-"),
			Namespace:    namespace,
			Labels:       map[string]string{},
			Annotations:  map[string]string{},
		},
		Spec: corev1.PodSpec{
			RestartPolicy:      corev1.RestartPolicyNever,
			HostNetwork:        cfg.HostNetwork,
			NodeSelector:       cfg.NodeSelector,
			ServiceAccountName: cfg.ServiceAccount,
		},
	}
	maps.Copy(pod.Labels, cfg.Labels)
	pod.Labels[LabelBuild] = "kaniko"
	maps.Copy(pod.Annotations, cfg.Annotations)
	pod.Annotations[AnnotationImage] = req.Name
	if err := decodeInto("kaniko.tolerations", cfg.Tolerations, &pod.Spec.Tolerations); err != nil {
		return nil, err
	}
	if secret != "" {
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: "docker-config", VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: secret, Items: []corev1.KeyToPath{{Key: corev1.DockerConfigJsonKey, Path: "config.json"}}},
		}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "docker-config", MountPath: dockerConfigDir, ReadOnly: true})
	}
	if err := additionalMounts(pod, &c, cfg.AdditionalMounts); err != nil {
		return nil, err
	}
	pod.Spec.Containers = []corev1.Container{c}
	return pod, nil
}

// executorArgs are kaniko's flags for req: every tag a destination, as
// DevSpace passes them, then kaniko.args.
func executorArgs(req imagebuild.Request, cfg *config.KanikoBuild) []string {
	args := []string{
		"--context=tar://stdin",
		"--dockerfile=" + docker.DockerfileName,
		"--digest-file=/dev/termination-log",
		"--snapshot-mode=" + cmp.Or(cfg.SnapshotMode, "time"),
	}
	for _, tag := range req.Tags {
		args = append(args, "--destination="+req.Image+":"+tag)
	}
	if !req.Push {
		args = append(args, "--no-push")
	}
	if req.Target != "" {
		args = append(args, "--target="+req.Target)
	}
	for _, k := range slices.Sorted(maps.Keys(req.BuildArgs)) {
		if v := req.BuildArgs[k]; v != nil {
			args = append(args, "--build-arg="+k+"="+*v)
		}
	}
	if cfg.Cache != nil && *cfg.Cache {
		args = append(args, "--cache=true", "--cache-repo="+req.Image)
	}
	if req.Insecure || (cfg.Insecure != nil && *cfg.Insecure) {
		args = append(args, "--insecure", "--skip-tls-verify", "--insecure-pull", "--skip-tls-verify-pull")
	}
	if p := req.Options.Platforms; len(p) == 1 {
		args = append(args, "--custom-platform="+p[0])
	}
	return append(args, cfg.Args...)
}

func resources(r *config.KanikoResources) (corev1.ResourceRequirements, error) {
	var out corev1.ResourceRequirements
	if r == nil {
		return out, nil
	}
	var err error
	if out.Requests, err = quantities("kaniko.resources.requests", r.Requests); err != nil {
		return out, err
	}
	out.Limits, err = quantities("kaniko.resources.limits", r.Limits)
	return out, err
}

func quantities(field string, m map[string]string) (corev1.ResourceList, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := corev1.ResourceList{}
	for k, v := range m {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %q is not a quantity (e.g. 500m, 2Gi): %w", field, k, v, err)
		}
		out[corev1.ResourceName(k)] = q
	}
	return out, nil
}

// envFrom maps kaniko.envFrom (variable name → valueFrom source, as in
// DevSpace) onto the container's env.
func envFrom(c *corev1.Container, from map[string]any) error {
	for _, name := range slices.Sorted(maps.Keys(from)) {
		var src corev1.EnvVarSource
		if err := decodeInto("kaniko.envFrom."+name, from[name], &src); err != nil {
			return err
		}
		c.Env = append(c.Env, corev1.EnvVar{Name: name, ValueFrom: &src})
	}
	return nil
}

// mount is one kaniko.additionalMounts entry, as DevSpace defines it.
type mount struct {
	ReadOnly  bool   `json:"readOnly"`
	MountPath string `json:"mountPath"`
	SubPath   string `json:"subPath"`
	Secret    *struct {
		Name        string             `json:"name"`
		Items       []corev1.KeyToPath `json:"items"`
		DefaultMode *int32             `json:"defaultMode"`
	} `json:"secret"`
	ConfigMap *struct {
		Name        string             `json:"name"`
		Items       []corev1.KeyToPath `json:"items"`
		DefaultMode *int32             `json:"defaultMode"`
	} `json:"configMap"`
}

func additionalMounts(pod *corev1.Pod, c *corev1.Container, mounts []map[string]any) error {
	for i, raw := range mounts {
		field := fmt.Sprintf("kaniko.additionalMounts[%d]", i)
		var m mount
		if err := decodeInto(field, raw, &m); err != nil {
			return err
		}
		vol := corev1.Volume{Name: fmt.Sprintf("additional-%d", i)}
		switch {
		case m.MountPath == "":
			return fmt.Errorf("%s: mountPath is required", field)
		case m.Secret != nil:
			vol.Secret = &corev1.SecretVolumeSource{SecretName: m.Secret.Name, Items: m.Secret.Items, DefaultMode: m.Secret.DefaultMode}
		case m.ConfigMap != nil:
			vol.ConfigMap = &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: m.ConfigMap.Name},
				Items: m.ConfigMap.Items, DefaultMode: m.ConfigMap.DefaultMode}
		default:
			return fmt.Errorf("%s: set secret or configMap", field)
		}
		pod.Spec.Volumes = append(pod.Spec.Volumes, vol)
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: vol.Name, MountPath: m.MountPath, SubPath: m.SubPath, ReadOnly: m.ReadOnly})
	}
	return nil
}

// decodeInto converts a free-form config value into a Kubernetes type
// through JSON, naming the field when it does not fit.
func decodeInto(field string, v, out any) error {
	if v == nil {
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}
