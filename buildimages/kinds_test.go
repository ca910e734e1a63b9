package buildimages

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/kaniko"
)

// keyTree is the build context of TestBuildKeysUnchanged.
var keyTree = map[string]string{
	"Dockerfile":    "FROM scratch AS t\nCOPY . /src\n",
	".dockerignore": "*.log\n",
	"main.go":       "package main\n",
	"debug.log":     "noise",
}

// TestBuildKeysUnchanged pins the build keys of every builder kind: the
// cache on users' machines holds these, so a refactor that changes one
// would rebuild every image. A deliberate change of the key format must
// update these digests and say so.
func TestBuildKeysUnchanged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range keyTree {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	no := false
	tests := []struct {
		name     string
		img      config.Image
		fallback bool // the Docker daemon was unreachable: built with kaniko
		want     string
		kind     string
		place    string // where the image lives: daemon, cluster (registry only) or "" (trusted)
	}{
		{"default", config.Image{}, false, "389ba197f9284226d8b478d26e1f3198b1b1441eacbbfc2829180615359bd326", "docker", "daemon"},
		{"docker", config.Image{Docker: &config.DockerBuild{Args: []string{"--label=a=b"}, PreferMinikube: &no}}, false, "e3f171e42deb44856e4ec8bda2fb84b46a30291453a69c2c1ef2dfee5edd50ab", "docker", "daemon"},
		{"docker fallback to kaniko", config.Image{Docker: &config.DockerBuild{Args: []string{"--no-cache"}}}, true, "226309272bbd5ad4f2d42422734c3e09062c4c1b8a55e4f549cf7b61367fe814", "kaniko", "cluster"},
		{"buildKit", config.Image{BuildKit: &config.BuildKitBuild{Args: []string{"--pull"}}}, false, "bd1c0a0d339accf47626d2407ac6918499f436414b53521215e02444b1d8ec93", "buildKit", "daemon"},
		{"buildKit in cluster", config.Image{BuildKit: &config.BuildKitBuild{InCluster: &config.BuildKitInCluster{Namespace: "b"}}}, false, "7a120873dbb90e38fd3f2c0cf35f9917ddb4f938b907b630ffff3b71882f5de0", "buildKit", "cluster"},
		{"kaniko", config.Image{Kaniko: &config.KanikoBuild{Args: []string{"--c"}, SnapshotMode: "redo", Image: "k:1", Namespace: "n"}}, false, "4f1001b161866d4cef927cce73916bb720c75beda4fa60f80bd50e72c71cc658", "kaniko", "cluster"},
		{"kaniko without options", config.Image{Kaniko: &config.KanikoBuild{Namespace: "n"}}, false, "226309272bbd5ad4f2d42422734c3e09062c4c1b8a55e4f549cf7b61367fe814", "kaniko", "cluster"},
		{"custom", config.Image{Custom: &config.CustomBuild{Command: "./b.sh", OnChange: []string{"*.go"}, ImageFlag: "-i"}}, false, "cf2a886ed6970230892887087fe58befa6de27bbfbcb2bffdac27c4deb9a4c57", "custom", ""},
		{"target, network, args", config.Image{Target: "t", Network: "host", BuildArgs: map[string]*string{"A": nil, "B": &[]string{"1"}[0]}}, false, "2a954fe22563d8a8fbb0fbc4cdd3cdffdca9f62b7dae018811dee3544565257f", "docker", "daemon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img := tt.img
			img.Name, img.Image = "app", "registry.example.com/app"
			req, err := imagebuild.NewRequest(dir, &img, imagebuild.RequestOptions{Kinds: kinds})
			if err != nil {
				t.Fatal(err)
			}
			if tt.fallback {
				req.Kind = kaniko.Kind
			}
			if err := imagebuild.NewHasher(nil).Key(context.Background(), &req); err != nil {
				t.Fatal(err)
			}
			if req.Key != tt.want {
				t.Errorf("key = %s, want %s", req.Key, tt.want)
			}
			if kind, place := kindAndPlace(req); kind != tt.kind || place != tt.place {
				t.Errorf("kind %q builds in %q, want %q in %q", kind, place, tt.kind, tt.place)
			}
		})
	}
}

// kindAndPlace names req's builder and where its image lives.
func kindAndPlace(req imagebuild.Request) (kind, place string) {
	switch {
	case req.OnDaemon():
		place = "daemon"
	case req.InCluster():
		place = "cluster"
	}
	return req.Kind.String(), place
}

// TestKindOrder: an entry builds with the first builder whose section it
// has, in the order DevSpace picks them; disabled wins, docker is the
// default.
func TestKindOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		img  config.Image
		want string
	}{
		{"default", config.Image{}, "docker"},
		{"disabled wins", config.Image{Disabled: true, Custom: &config.CustomBuild{}}, "disabled"},
		{"custom before docker", config.Image{Custom: &config.CustomBuild{}, Docker: &config.DockerBuild{}}, "custom"},
		{"docker before kaniko", config.Image{Docker: &config.DockerBuild{}, Kaniko: &config.KanikoBuild{}}, "docker"},
		{"buildKit before kaniko", config.Image{BuildKit: &config.BuildKitBuild{}, Kaniko: &config.KanikoBuild{}}, "buildKit"},
		{"kaniko", config.Image{Kaniko: &config.KanikoBuild{}}, "kaniko"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := kinds.Of(&tt.img).String(); got != tt.want {
				t.Errorf("kind = %q, want %q", got, tt.want)
			}
		})
	}
}
