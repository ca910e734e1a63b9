package imagebuild

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDetectLocalCluster(t *testing.T) {
	t.Parallel()
	tests := []struct {
		context string
		env     map[string]string
		want    LocalCluster
		local   bool
	}{
		{"docker-desktop", nil, LocalCluster{Context: "docker-desktop", Kind: "docker-desktop", SharesDaemon: true}, true},
		{"orbstack", nil, LocalCluster{Context: "orbstack", Kind: "orbstack", SharesDaemon: true}, true},
		{"minikube", nil, LocalCluster{Context: "minikube", Kind: "minikube"}, true},
		{"minikube", map[string]string{"MINIKUBE_ACTIVE_DOCKERD": "minikube"}, LocalCluster{Context: "minikube", Kind: "minikube", SharesDaemon: true}, true},
		{"kind-dev", nil, LocalCluster{Context: "kind-dev", Kind: "kind", Name: "dev"}, true},
		{"k3d-one", nil, LocalCluster{Context: "k3d-one", Kind: "k3d", Name: "one"}, true},
		{"prod-eu", nil, LocalCluster{Context: "prod-eu"}, false},
		{"", nil, LocalCluster{}, false},
		{"docker-desktop", map[string]string{"DEVSPACE_LOCAL_CLUSTER": "false"}, LocalCluster{}, false},
		{"my-lab", map[string]string{"DEVSPACE_LOCAL_CLUSTER": "true"}, LocalCluster{Context: "my-lab", Kind: "local", SharesDaemon: true}, true},
	}
	for _, tt := range tests {
		got, local := DetectLocalCluster(tt.context, func(k string) string { return tt.env[k] })
		if local != tt.local {
			t.Errorf("%q %v: local = %v, want %v", tt.context, tt.env, local, tt.local)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" && tt.local {
			t.Errorf("%q %v (-want +got):\n%s", tt.context, tt.env, diff)
		}
	}
	kind := LocalCluster{Kind: "kind", Name: "dev"}
	if diff := cmp.Diff([]string{"kind", "load", "docker-image", "r/app:v1", "--name", "dev"}, kind.LoadCommand("r/app:v1")); diff != "" {
		t.Error(diff)
	}
}
