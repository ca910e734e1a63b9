package config

import (
	"reflect"
	"testing"
)

func TestBuildArgsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		img  string // the images.app entry's lines after image:, indented by 4
		want wantPos
	}{
		{"platform", "docker:\n      args: [--no-cache, --platform=linux/arm64]",
			wantPos{6, 26, `images.app.docker.args[1]: --platform is not supported here: building for another platform`}},
		{"cache-from apart from its value", "buildKit:\n      args: [--cache-from, type=registry]",
			wantPos{6, 14, `images.app.buildKit.args[0]: --cache-from is not supported here`}},
		{"shorthand", "docker:\n      args: [-t, x]",
			wantPos{6, 14, `--tag is not supported here: set the tags with images.*.tags`}},
		{"unknown", "docker:\n      args: [--squash]",
			wantPos{6, 14, `unknown build flag --squash`}},
		{"not a flag", "docker:\n      args: [.]",
			wantPos{6, 14, `"." is not a flag`}},
		{"missing value", "docker:\n      args: [--target]",
			wantPos{6, 14, `--target needs a value`}},
		{"secret without id", "docker:\n      args: [--secret, src=x]",
			wantPos{6, 14, `--secret "src=x" has no id`}},
		{"secret with both", "docker:\n      args: [\"--secret=id=a,env=A,src=f\"]",
			wantPos{6, 14, `give env= or src=, not both`}},
		{"bad label", "docker:\n      args: [--label, =x]",
			wantPos{6, 14, `--label "=x": want KEY=VALUE`}},
		{"older build block", "build:\n      docker:\n        args: [--output=type=tar]",
			wantPos{7, 16, `images.app.build.docker.args[0]: --output is not supported here`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "version: v2beta1\nimages:\n  app:\n    image: app\n    " + tt.img + "\n"
			_, err := load(t, src, LoadOptions{})
			checkError(t, err, tt.want)
		})
	}
}

func TestParseBuildArgs(t *testing.T) {
	t.Parallel()
	got, err := ParseBuildArgs([]string{
		"--build-arg", "A=1", "--build-arg=B", "--target", "final", "--network=host",
		"--label", "team=x", "--label=k=v=w", "--add-host", "db:10.0.0.1,cache:10.0.0.2",
		"--no-cache", "--pull=false",
		"--secret", "id=token,env=TOKEN", "--secret=id=npm,src=.npmrc", "--secret", "id=plain",
		"--secret", "type=env,id=e,source=VAR",
		"--ssh", "default", "--ssh=git=/run/agent.sock,~/.ssh/id_ed25519",
	})
	if err != nil {
		t.Fatal(err)
	}
	one := "1"
	want := BuildOptions{
		BuildArgs: map[string]*string{"A": &one, "B": nil},
		Target:    "final", Network: "host",
		Labels:   map[string]string{"team": "x", "k": "v=w"},
		AddHosts: []string{"db:10.0.0.1", "cache:10.0.0.2"},
		NoCache:  true,
		Secrets: []BuildSecret{{ID: "token", Env: "TOKEN"}, {ID: "npm", Src: ".npmrc"}, {ID: "plain", Env: "plain"},
			{ID: "e", Env: "VAR"}},
		SSH: []BuildSSH{{ID: "default"}, {ID: "git", Paths: []string{"/run/agent.sock", "~/.ssh/id_ed25519"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if empty, _ := ParseBuildArgs(nil); !empty.Empty() {
		t.Errorf("no args: %+v is not Empty", empty)
	}
}
