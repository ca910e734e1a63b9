package config

import (
	"strings"
	"testing"
)

func TestInvalidImageReferences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		image string // the images.app entry, indented by 4
		opts  LoadOptions
		want  wantPos
		hint  string
	}{
		{"uppercase repository", "image: My/App", LoadOptions{},
			wantPos{4, 12, `images.app.image "My/App" is not a valid image reference: repository names must be lowercase`},
			`write it as "my/app"`},
		{"uppercase keeps the tag's case in the hint", "image: ghcr.io/Org/app:V1", LoadOptions{},
			wantPos{4, 12, `repository names must be lowercase`}, `write it as "ghcr.io/org/app:V1"`},
		{"space", `image: "my app"`, LoadOptions{},
			wantPos{4, 12, `images.app.image "my app" is not a valid image reference: it contains whitespace`},
			"[HOST[:PORT]/]PATH[:TAG]"},
		{"double colon", "image: app::1", LoadOptions{},
			wantPos{4, 12, `images.app.image "app::1" is not a valid image reference: it contains '::'`}, ""},
		{"empty tag after colon", `image: "app:"`, LoadOptions{},
			wantPos{4, 12, `images.app.image "app:" is not a valid image reference: the tag is empty`}, ""},
		{"bad character", "image: app$", LoadOptions{},
			wantPos{4, 12, `images.app.image "app$" is not a valid image reference: use lowercase letters`}, ""},
		{"checked after substitution", "image: ${REPO}", LoadOptions{Vars: []string{"REPO=Team/App"}},
			wantPos{4, 12, `images.app.image "Team/App" is not a valid image reference: repository names must be lowercase`}, ""},
		{"empty after substitution", "image: ${REPO}", LoadOptions{Vars: []string{"REPO="}},
			wantPos{3, 3, `image "app" has no`}, ""},
		{"bad tag in tags", "image: app\n    tags: [ok, \"v 1\"]", LoadOptions{},
			wantPos{5, 16, `images.app.tags[1] "v 1" is not a valid tag: it contains whitespace`}, ""},
		{"tag starting with a dot", "image: app\n    tags: [.v1]", LoadOptions{},
			wantPos{5, 12, `images.app.tags[0] ".v1" is not a valid tag: a tag is letters, digits`}, ""},
		{"bad legacy tag", "image: app\n    tag: a/b", LoadOptions{},
			wantPos{5, 10, `images.app.tag "a/b" is not a valid tag`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "version: v2beta1\nimages:\n  app:\n    " + tt.image + "\n"
			_, err := load(t, src, tt.opts)
			e := checkError(t, err, tt.want)
			if e != nil && !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("hint %q does not contain %q", e.Hint, tt.hint)
			}
		})
	}
}

func TestValidImageReferences(t *testing.T) {
	t.Parallel()
	for _, image := range []string{
		"app",
		"localhost:5000/team/app",
		"localhost:5000/team/app:v1.2_3-rc",
		"registry.example.com/a/b/c:Latest",
		"ghcr.io/org/app@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"my__app",
	} {
		t.Run(image, func(t *testing.T) {
			t.Parallel()
			src := "version: v2beta1\nimages:\n  app:\n    image: " + image + "\n    tags: [dev-####, v1]\n"
			mustLoad(t, src, LoadOptions{})
		})
	}
}

func TestInvalidProjectName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value string
		opts        LoadOptions
		want        wantPos
		hint        string
	}{
		{"uppercase and space", `"My App"`, LoadOptions{},
			wantPos{2, 7, `name "My App" is not a valid project name: use lowercase letters, digits and '-'`}, "name: my-app"},
		{"underscore", "my_app", LoadOptions{}, wantPos{2, 7, `name "my_app" is not a valid project name`}, "name: my-app"},
		{"ends with a dash", "app-", LoadOptions{}, wantPos{2, 7, `name "app-" is not a valid project name`}, "name: app"},
		{"too long", strings.Repeat("a", 64), LoadOptions{}, wantPos{2, 7, "longer than 63 characters"}, ""},
		{"checked after substitution", "${N}", LoadOptions{Vars: []string{"N=Bad.Name"}},
			wantPos{2, 7, `name "Bad.Name" is not a valid project name`}, "name: bad-name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, "version: v2beta1\nname: "+tt.value+"\n", tt.opts)
			e := checkError(t, err, tt.want)
			if e != nil && !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("hint %q does not contain %q", e.Hint, tt.hint)
			}
		})
	}
}

func TestProjectNameSubstituted(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, "version: v2beta1\nname: ${N}\n", LoadOptions{Vars: []string{"N=from-var"}})
	if cfg.Name != "from-var" {
		t.Errorf("Name = %q, want from-var", cfg.Name)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	known := []string{"build", "build_images", "deploy", "dev", "purge", "run_pipelines", "start_dev", "stop_dev"}
	tests := []struct{ typo, want string }{
		{"build_imagez", "build_images"},
		{"deplyo", "deploy"}, // a swap is one edit
		{"biuld", "build"},
		{"run_pipeline", "run_pipelines"},
		{"stop_deev", "stop_dev"},
		{"dve", ""},              // too short to guess
		{"kubectl", ""},          // nothing close
		{"deploy", ""},           // not a typo
		{"create_dep", ""},       // too far from anything
		{"puge", "purge"},        // one edit at length 4
		{"stpo_dve", "stop_dev"}, // two edits at length 8
	}
	for _, tt := range tests {
		if got := Suggest(tt.typo, known); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.typo, got, tt.want)
		}
	}
}
