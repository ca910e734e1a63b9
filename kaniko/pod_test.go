package kaniko

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/imagebuild"
)

func ptr[T any](v T) *T { return &v }

func TestExecutorArgs(t *testing.T) {
	req := imagebuild.Request{
		Image: "registry.example.com/app", Tags: []string{"v1", "latest"}, Push: true, Target: "prod",
		BuildArgs: map[string]*string{"B": ptr("2"), "A": ptr("1"), "UNSET": nil},
	}
	cfg := &config.KanikoBuild{Cache: ptr(true), Args: []string{"--verbosity=debug"}}
	got := executorArgs(req, cfg)
	want := []string{
		"--context=tar://stdin", "--dockerfile=.devspace.Dockerfile", "--digest-file=/dev/termination-log",
		"--snapshot-mode=time",
		"--destination=registry.example.com/app:v1", "--destination=registry.example.com/app:latest",
		"--target=prod", "--build-arg=A=1", "--build-arg=B=2",
		"--cache=true", "--cache-repo=registry.example.com/app",
		"--verbosity=debug",
	}
	if !slices.Equal(got, want) {
		t.Errorf("args:\n got %q\nwant %q", got, want)
	}
}

func TestExecutorArgsInsecureNoPush(t *testing.T) {
	req := imagebuild.Request{Image: "r/app", Tags: []string{"t"}, Insecure: true}
	got := strings.Join(executorArgs(req, &config.KanikoBuild{SnapshotMode: "redo"}), " ")
	for _, want := range []string{"--no-push", "--insecure --skip-tls-verify", "--snapshot-mode=redo"} {
		if !strings.Contains(got, want) {
			t.Errorf("args %q lack %q", got, want)
		}
	}
	if strings.Contains(got, "--cache") {
		t.Errorf("args %q: cache is off unless kaniko.cache is true", got)
	}
}

func TestPodSpec(t *testing.T) {
	req := imagebuild.Request{Name: "app", Image: "r/app", Tags: []string{"t"}, Push: true}
	cfg := &config.KanikoBuild{
		Image: "example/kaniko:1", Namespace: "builds", HostNetwork: true, ServiceAccount: "builder",
		Labels: map[string]string{"team": "a"}, Annotations: map[string]string{"note": "x"},
		NodeSelector: map[string]string{"pool": "build"},
		Env:          map[string]string{"B": "2", "A": "1"},
		EnvFrom:      map[string]any{"TOKEN": map[string]any{"secretKeyRef": map[string]any{"name": "s", "key": "k"}}},
		Tolerations:  []map[string]any{{"key": "dedicated", "operator": "Equal", "value": "build", "effect": "NoSchedule"}},
		AdditionalMounts: []map[string]any{
			{"mountPath": "/certs", "readOnly": true, "secret": map[string]any{"name": "certs"}},
			{"mountPath": "/etc/x", "configMap": map[string]any{"name": "cm", "items": []any{map[string]any{"key": "a", "path": "b"}}}},
		},
		Resources: &config.KanikoResources{Limits: map[string]string{"memory": "2Gi"}},
	}
	pod, err := podSpec(req, cfg, "builds", "devspace-pull-secret-r")
	if err != nil {
		t.Fatal(err)
	}
	c := pod.Spec.Containers[0]
	switch {
	case pod.GenerateName != "devspace-build-kaniko-", pod.Namespace != "builds":
		t.Errorf("meta: %q in %q", pod.GenerateName, pod.Namespace)
	case pod.Labels[LabelBuild] != "kaniko" || pod.Labels["team"] != "a" || pod.Annotations[AnnotationImage] != "app" || pod.Annotations["note"] != "x":
		t.Errorf("labels %v, annotations %v", pod.Labels, pod.Annotations)
	case !pod.Spec.HostNetwork, pod.Spec.RestartPolicy != corev1.RestartPolicyNever, pod.Spec.ServiceAccountName != "builder":
		t.Errorf("spec: %+v", pod.Spec)
	case pod.Spec.NodeSelector["pool"] != "build" || len(pod.Spec.Tolerations) != 1 || pod.Spec.Tolerations[0].Effect != corev1.TaintEffectNoSchedule:
		t.Errorf("scheduling: %v %v", pod.Spec.NodeSelector, pod.Spec.Tolerations)
	case c.Image != "example/kaniko:1", !c.Stdin, !c.StdinOnce:
		t.Errorf("container: %+v", c)
	case len(c.Env) != 3 || c.Env[0].Name != "A" || c.Env[2].ValueFrom == nil || c.Env[2].ValueFrom.SecretKeyRef.Key != "k":
		t.Errorf("env: %+v", c.Env)
	case c.Resources.Limits.Memory().String() != "2Gi":
		t.Errorf("resources: %+v", c.Resources)
	}
	var mounts []string
	for _, m := range c.VolumeMounts {
		mounts = append(mounts, m.MountPath)
	}
	if !slices.Equal(mounts, []string{"/kaniko/.docker", "/certs", "/etc/x"}) {
		t.Errorf("mounts %q", mounts)
	}
	if v := pod.Spec.Volumes[0].Secret; v == nil || v.SecretName != "devspace-pull-secret-r" || v.Items[0].Path != "config.json" {
		t.Errorf("docker config volume: %+v", pod.Spec.Volumes[0])
	}
	if v := pod.Spec.Volumes[2].ConfigMap; v == nil || v.Name != "cm" || v.Items[0].Path != "b" {
		t.Errorf("config map volume: %+v", pod.Spec.Volumes[2])
	}
}

func TestPodSpecDefaultsAndErrors(t *testing.T) {
	req := imagebuild.Request{Name: "app", Image: "r/app", Tags: []string{"t"}, Push: true}
	pod, err := podSpec(req, &config.KanikoBuild{}, "default", "")
	if err != nil {
		t.Fatal(err)
	}
	if c := pod.Spec.Containers[0]; c.Image != DefaultImage || len(c.VolumeMounts) != 0 || pod.Spec.HostNetwork {
		t.Errorf("defaults: %+v", pod.Spec)
	}
	for _, tt := range []struct {
		cfg  config.KanikoBuild
		want string
	}{
		{config.KanikoBuild{Resources: &config.KanikoResources{Requests: map[string]string{"cpu": "lots"}}}, `kaniko.resources.requests.cpu: "lots" is not a quantity`},
		{config.KanikoBuild{AdditionalMounts: []map[string]any{{"secret": map[string]any{"name": "s"}}}}, "kaniko.additionalMounts[0]: mountPath is required"},
		{config.KanikoBuild{AdditionalMounts: []map[string]any{{"mountPath": "/x"}}}, "kaniko.additionalMounts[0]: set secret or configMap"},
		{config.KanikoBuild{Tolerations: []map[string]any{{"key": 3}}}, "kaniko.tolerations"},
	} {
		_, err := podSpec(req, &tt.cfg, "default", "")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: got %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

func TestErrorLine(t *testing.T) {
	msg := "INFO[0000] RUN exit 3\nerror building image: error building stage: exit status 3\nfailing on purpose\n"
	if got := errorLine(msg); got != "error building image: error building stage: exit status 3" {
		t.Errorf("got %q", got)
	}
	if got := errorLine("just one line"); got != "just one line" {
		t.Errorf("got %q", got)
	}
}

// A docker image that falls back to kaniko keeps its --secret/--ssh
// args; kaniko has no session to serve them and says so before any pod.
func TestSecretsRefused(t *testing.T) {
	for _, o := range []config.BuildOptions{
		{Secrets: []config.BuildSecret{{ID: "token", Env: "TOKEN"}}},
		{SSH: []config.BuildSSH{{ID: "default"}}},
	} {
		req := imagebuild.Request{Image: "r/app", Tags: []string{"t"}, Config: &config.Image{}, Options: o}
		_, err := (&Builder{}).Build(t.Context(), req)
		if err == nil || !strings.Contains(err.Error(), "kaniko cannot serve --secret or --ssh") {
			t.Errorf("%+v: err = %v", o, err)
		}
	}
}

// A docker image with named contexts never falls back to kaniko (it
// needs the Engine for its buildkitd container); should one reach the
// builder, it is refused before any pod, with what to do.
func TestNamedContextsRefused(t *testing.T) {
	o := config.BuildOptions{Contexts: []config.BuildContext{{Name: "extra", Value: "/src/extra"}}}
	req := imagebuild.Request{Image: "r/app", Tags: []string{"t"}, Config: &config.Image{}, Options: o}
	_, err := (&Builder{}).Build(t.Context(), req)
	if err == nil || !strings.Contains(err.Error(), "kaniko cannot read --build-context") {
		t.Errorf("err = %v", err)
	}
}

// A docker image's --cache-from/--cache-to (on the fallback) are
// BuildKit's; kaniko says what it uses instead.
func TestCacheFlagsRefused(t *testing.T) {
	o := config.BuildOptions{CacheTo: []config.BuildCache{{Type: "inline"}}}
	req := imagebuild.Request{Image: "r/app", Tags: []string{"t"}, Config: &config.Image{}, Options: o}
	_, err := (&Builder{}).Build(t.Context(), req)
	if err == nil || !strings.Contains(err.Error(), "kaniko caches with its own flags") {
		t.Errorf("err = %v", err)
	}
}

// One --platform reaches kaniko as --custom-platform.
func TestCustomPlatform(t *testing.T) {
	req := imagebuild.Request{Image: "r/app", Tags: []string{"t"}, Options: config.BuildOptions{Platforms: []string{"linux/arm64"}}}
	args := executorArgs(req, &config.KanikoBuild{})
	if !slices.Contains(args, "--custom-platform=linux/arm64") {
		t.Errorf("args %v lack --custom-platform=linux/arm64", args)
	}
}
