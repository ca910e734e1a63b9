package imagebuild

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/testbed"
)

// TestKindsOf: disabled wins, then the first kind that claims the image,
// else the default.
func TestKindsOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		img  config.Image
		want *Kind
	}{
		{"default", config.Image{}, testDocker},
		{"disabled wins", config.Image{Disabled: true, Custom: &config.CustomBuild{}}, Disabled},
		{"first claim wins", config.Image{Custom: &config.CustomBuild{}, Docker: &config.DockerBuild{}}, testCustom},
		{"in list order", config.Image{Docker: &config.DockerBuild{}, Kaniko: &config.KanikoBuild{}}, testDocker},
		{"last", config.Image{Kaniko: &config.KanikoBuild{}}, testKaniko},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := testKinds.Of(&tt.img); got != tt.want {
				t.Errorf("Of = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewRequestPaths(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	cfg := filepath.Join(root, "project")
	home := filepath.Join(root, "home")
	testbed.WriteTree(t, root, map[string]string{
		"project/Dockerfile":       "FROM scratch\n",
		"project/sub/Dockerfile":   "FROM scratch\n",
		"project/docker/app.Dfile": "FROM scratch\n",
		"outside/Dockerfile":       "FROM outside\n",
		"home/ctx/Dockerfile":      "FROM home\n",
		"project/src/":             "",
	})
	tests := []struct {
		name                        string
		img                         config.Image
		wantContext, wantDockerfile string
	}{
		{"defaults", config.Image{}, cfg, filepath.Join(cfg, "Dockerfile")},
		{"relative", config.Image{Context: "./sub", Dockerfile: "sub/Dockerfile"}, filepath.Join(cfg, "sub"), filepath.Join(cfg, "sub", "Dockerfile")},
		{"dockerfile outside context", config.Image{Context: "src", Dockerfile: "../outside/Dockerfile"}, filepath.Join(cfg, "src"), filepath.Join(root, "outside", "Dockerfile")},
		{"absolute", config.Image{Context: filepath.Join(root, "outside"), Dockerfile: filepath.Join(root, "outside", "Dockerfile")}, filepath.Join(root, "outside"), filepath.Join(root, "outside", "Dockerfile")},
		{"home", config.Image{Context: "~/ctx", Dockerfile: "~/ctx/Dockerfile"}, filepath.Join(home, "ctx"), filepath.Join(home, "ctx", "Dockerfile")},
		{"other name", config.Image{Dockerfile: "./docker/app.Dfile"}, cfg, filepath.Join(cfg, "docker", "app.Dfile")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img := tt.img
			img.Name, img.Image = "app", "registry.example.com/app"
			req, err := NewRequest(cfg, &img, RequestOptions{Home: home, Kinds: testKinds})
			if err != nil {
				t.Fatal(err)
			}
			if req.ContextDir != tt.wantContext || req.Dockerfile != tt.wantDockerfile {
				t.Errorf("context, dockerfile = %s, %s; want %s, %s", req.ContextDir, req.Dockerfile, tt.wantContext, tt.wantDockerfile)
			}
			if len(req.DockerfileText) == 0 {
				t.Error("DockerfileText is empty")
			}
		})
	}
}

func TestNewRequestErrors(t *testing.T) {
	t.Parallel()
	cfg := t.TempDir()
	testbed.WriteTree(t, cfg, map[string]string{"Dockerfile": "FROM scratch AS build\n"})
	tests := []struct {
		name string
		img  config.Image
		opts RequestOptions
		want string
	}{
		{"missing Dockerfile", config.Image{Dockerfile: "nope/Dockerfile"}, RequestOptions{}, `image "app": read Dockerfile`},
		{"missing context", config.Image{Context: "nope"}, RequestOptions{}, `image "app": build context`},
		{"missing target", config.Image{Target: "prod"}, RequestOptions{}, `target stage "prod" not found (stages: build)`},
		{"bad tag", config.Image{Tags: []string{"a b"}}, RequestOptions{}, `tag "a b" is not a valid tag`},
		{"bad flag tag", config.Image{}, RequestOptions{Tags: []string{"-x"}}, `tag "-x" is not a valid tag`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img := tt.img
			img.Name, img.Image = "app", "repo/app"
			tt.opts.Kinds = testKinds
			_, err := NewRequest(cfg, &img, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestNewRequestTagsAndPush(t *testing.T) {
	t.Parallel()
	cfg := t.TempDir()
	testbed.WriteTree(t, cfg, map[string]string{"Dockerfile": "FROM scratch\n"})
	tests := []struct {
		name     string
		img      config.Image
		opts     RequestOptions
		wantTags string // regexp over strings.Join(tags, ",")
		wantPush bool
	}{
		{"none", config.Image{}, RequestOptions{}, `^$`, true},
		{"configured", config.Image{Tags: []string{"v1", "latest"}}, RequestOptions{}, `^v1,latest$`, true},
		{"flags override", config.Image{Tags: []string{"v1"}}, RequestOptions{Tags: []string{"ci-7", "ci-7"}}, `^ci-7$`, true},
		{"hash letters", config.Image{Tags: []string{"dev-###"}}, RequestOptions{}, `^dev-[a-zA-Z]{3}$`, true},
		{"skipPush", config.Image{SkipPush: true}, RequestOptions{}, `^$`, false},
		{"--skip-push", config.Image{}, RequestOptions{SkipPush: true}, `^$`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img := tt.img
			img.Name, img.Image = "app", "repo/app"
			tt.opts.Kinds = testKinds
			req, err := NewRequest(cfg, &img, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(req.Tags, ","); !regexp.MustCompile(tt.wantTags).MatchString(got) {
				t.Errorf("tags = %q, want %s", got, tt.wantTags)
			}
			if req.Push != tt.wantPush {
				t.Errorf("push = %v, want %v", req.Push, tt.wantPush)
			}
		})
	}
}

func TestNewRequestCustomAndDisabled(t *testing.T) {
	t.Parallel()
	cfg := t.TempDir() // no Dockerfile: neither kind needs one
	custom := config.Image{Name: "c", Image: "repo/c", Custom: &config.CustomBuild{Command: "./build.sh", OnChange: []string{"src/**"}}}
	req, err := NewRequest(cfg, &custom, RequestOptions{Kinds: testKinds})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{filepath.Join(cfg, "src/**")}, req.OnChange); diff != "" {
		t.Errorf("OnChange (-want +got):\n%s", diff)
	}
	disabled := config.Image{Name: "d", Image: "repo/d", Disabled: true, Tags: []string{"v1"}}
	req, err = NewRequest(cfg, &disabled, RequestOptions{Kinds: testKinds})
	if err != nil || req.Kind != Disabled || req.Ref() != "repo/d:v1" {
		t.Errorf("disabled: %+v, %v", req, err)
	}
}
