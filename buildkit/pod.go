package buildkit

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devspace-engine/devspace/config"
)

// The upstream images buildkitd runs from when buildKit.inCluster.image
// is not set.
const (
	DefaultImage         = "moby/buildkit:v0.34.2"
	DefaultRootlessImage = "moby/buildkit:v0.34.2-rootless"
)

const (
	// DefaultName is the daemon pod's name when inCluster.name is not set.
	DefaultName = "devspace-buildkit"
	// LabelDaemon marks daemon pods.
	LabelDaemon = "devspace.sh/buildkit"
	// annotationSpec holds the hash of the settings the pod was made with:
	// a pod whose hash differs is recreated.
	annotationSpec = "devspace.sh/buildkit-spec"
	containerName  = "buildkitd"
	socket         = "unix:///run/buildkit/buildkitd.sock"
)

// Daemon is where a buildkitd pod runs and how it is made.
type Daemon struct {
	Name, Namespace string
	Settings        *config.BuildKitInCluster
}

func (d Daemon) String() string { return d.Namespace + "/" + d.Name }

// podSpec is the daemon pod: buildkitd listening on its unix socket, which
// clients reach by exec-ing `buildctl dial-stdio` in the container (no
// port, no service). Rootful runs privileged unless `privileged: false`
// asks for SYS_ADMIN and unconfined seccomp/AppArmor instead; rootless
// runs as user 1000 without a process sandbox, as upstream documents.
func (d Daemon) podSpec() (*corev1.Pod, error) {
	s := d.Settings
	c := corev1.Container{
		Name:            containerName,
		Image:           d.image(),
		Args:            []string{"--addr", socket},
		ImagePullPolicy: corev1.PullIfNotPresent,
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"buildctl", "--addr", socket, "debug", "workers"}}},
			PeriodSeconds: 1,
		},
		SecurityContext: securityContext(s),
	}
	if s.Rootless {
		c.Args = append(c.Args, "--oci-worker-no-process-sandbox")
	}
	nodeSelector, err := parseNodeSelector(s.NodeSelector)
	if err != nil {
		return nil, err
	}
	pod := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name: d.Name, Namespace: d.Namespace,
			Labels: map[string]string{}, Annotations: map[string]string{},
		},
		Spec: corev1.PodSpec{
			HostNetwork:                  s.HostNetwork,
			NodeSelector:                 nodeSelector,
			AutomountServiceAccountToken: new(false),
			Containers:                   []corev1.Container{c},
		},
	}
	maps.Copy(pod.Labels, s.Labels)
	pod.Labels[LabelDaemon] = "true"
	maps.Copy(pod.Annotations, s.Annotations)
	hash, err := specHash(pod)
	if err != nil {
		return nil, err
	}
	pod.Annotations[annotationSpec] = hash
	return pod, nil
}

func (d Daemon) image() string {
	if d.Settings.Rootless {
		return cmp.Or(d.Settings.Image, DefaultRootlessImage)
	}
	return cmp.Or(d.Settings.Image, DefaultImage)
}

func securityContext(s *config.BuildKitInCluster) *corev1.SecurityContext {
	unconfined := &corev1.SecurityContext{
		SeccompProfile:  &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined},
		AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined},
	}
	switch {
	case s.Rootless:
		unconfined.RunAsUser, unconfined.RunAsGroup = new(int64(1000)), new(int64(1000))
		return unconfined
	case s.Privileged == nil || *s.Privileged:
		return &corev1.SecurityContext{Privileged: new(true)}
	}
	unconfined.Capabilities = &corev1.Capabilities{Add: []corev1.Capability{"SYS_ADMIN"}}
	return unconfined
}

// parseNodeSelector reads DevSpace's "key=value,key2=value2" form.
func parseNodeSelector(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("buildKit.inCluster.nodeSelector: %q is not key=value (write key=value,key2=value2)", part)
		}
		out[k] = v
	}
	return out, nil
}

// specHash identifies the settings a pod was made with.
func specHash(pod *corev1.Pod) (string, error) {
	raw, err := json.Marshal(struct {
		Labels, Annotations map[string]string
		Spec                corev1.PodSpec
	}{pod.Labels, pod.Annotations, pod.Spec})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:8]), nil
}
