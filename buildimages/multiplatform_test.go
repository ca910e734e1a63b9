package buildimages

import (
	"testing"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/imagebuild"
)

// TestMultiPlatformRouting: an image of several platforms builds on the
// local buildkitd container, which needs the Docker Engine and not the
// cluster, unless it names the in-cluster daemon; it lives only in its
// registry either way. One platform stays where its builder builds.
func TestMultiPlatformRouting(t *testing.T) {
	t.Parallel()
	one, two := []string{"--platform", "linux/arm64"}, []string{"--platform", "linux/amd64,linux/arm64"}
	tests := []struct {
		name                        string
		img                         config.Image
		local, docker, cluster, reg bool
	}{
		{"docker, two", config.Image{Docker: &config.DockerBuild{Args: two}}, true, true, false, true},
		{"no builder", config.Image{}, false, true, false, false},
		{"docker, one", config.Image{Docker: &config.DockerBuild{Args: one}}, false, true, false, false},
		{"buildKit, two", config.Image{BuildKit: &config.BuildKitBuild{Args: two}}, true, true, false, true},
		{"buildKit inCluster, two", config.Image{BuildKit: &config.BuildKitBuild{Args: two, InCluster: &config.BuildKitInCluster{}}}, false, false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := tt.img
			img.Name, img.Image = "app", "r/app"
			req := imagebuild.Request{Kind: kinds.Of(&img), Config: &img}
			if args := req.Kind.Args; args != nil {
				o, err := config.ParseBuildArgs(args(&img))
				if err != nil {
					t.Fatal(err)
				}
				req.Options = o
			}
			if got := onLocalBuildKit(req); got != tt.local {
				t.Errorf("onLocalBuildKit = %v, want %v", got, tt.local)
			}
			if got := needsDocker(req); got != tt.docker {
				t.Errorf("needsDocker = %v, want %v", got, tt.docker)
			}
			if got := buildsInCluster(req); got != tt.cluster {
				t.Errorf("buildsInCluster = %v, want %v", got, tt.cluster)
			}
			if got := req.InCluster(); got != tt.reg {
				t.Errorf("lives only in the registry = %v, want %v", got, tt.reg)
			}
		})
	}
}
