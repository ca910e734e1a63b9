package buildkit

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/devspace-engine/devspace/config"
)

func TestPodSpecSecurity(t *testing.T) {
	no := false
	for _, tt := range []struct {
		name      string
		settings  config.BuildKitInCluster
		image     string
		args      []string
		privilege bool
		caps      []corev1.Capability
		user      int64
	}{
		{"rootful default is privileged", config.BuildKitInCluster{}, DefaultImage,
			[]string{"--addr", socket}, true, nil, 0},
		{"rootful unprivileged", config.BuildKitInCluster{Privileged: &no, Image: "example/bk:1"}, "example/bk:1",
			[]string{"--addr", socket}, false, []corev1.Capability{"SYS_ADMIN"}, 0},
		{"rootless", config.BuildKitInCluster{Rootless: true}, DefaultRootlessImage,
			[]string{"--addr", socket, "--oci-worker-no-process-sandbox"}, false, nil, 1000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pod, err := Daemon{Name: "bk", Namespace: "ns", Settings: &tt.settings}.podSpec()
			if err != nil {
				t.Fatal(err)
			}
			c := pod.Spec.Containers[0]
			sc := c.SecurityContext
			switch {
			case c.Image != tt.image, !slices.Equal(c.Args, tt.args):
				t.Errorf("image %q args %q", c.Image, c.Args)
			case (sc.Privileged != nil && *sc.Privileged) != tt.privilege:
				t.Errorf("privileged %v, want %v", sc.Privileged, tt.privilege)
			case tt.caps != nil && (sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Add, tt.caps)):
				t.Errorf("capabilities %+v, want %v", sc.Capabilities, tt.caps)
			case !tt.privilege && (sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeUnconfined):
				t.Errorf("seccomp %+v, want Unconfined", sc.SeccompProfile)
			case tt.user != 0 && (sc.RunAsUser == nil || *sc.RunAsUser != tt.user):
				t.Errorf("runAsUser %v, want %d", sc.RunAsUser, tt.user)
			}
		})
	}
}

func TestPodSpecHashFollowsSettings(t *testing.T) {
	spec := func(s config.BuildKitInCluster) string {
		pod, err := Daemon{Name: "bk", Namespace: "ns", Settings: &s}.podSpec()
		if err != nil {
			t.Fatal(err)
		}
		return pod.Annotations[annotationSpec]
	}
	base := spec(config.BuildKitInCluster{Image: "a"})
	if base == "" || spec(config.BuildKitInCluster{Image: "a"}) != base {
		t.Fatalf("the hash of the same settings is not stable: %q", base)
	}
	for _, s := range []config.BuildKitInCluster{
		{Image: "b"},
		{Image: "a", Rootless: true},
		{Image: "a", HostNetwork: true},
		{Image: "a", NodeSelector: "pool=build"},
		{Image: "a", Labels: map[string]string{"team": "x"}},
	} {
		if spec(s) == base {
			t.Errorf("settings %+v give the same hash as the base", s)
		}
	}
}

func TestParseNodeSelector(t *testing.T) {
	got, err := parseNodeSelector(" pool=build, zone=a ")
	if err != nil || len(got) != 2 || got["pool"] != "build" || got["zone"] != "a" {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := parseNodeSelector("pool"); err == nil {
		t.Error("a part without = is accepted")
	}
}
