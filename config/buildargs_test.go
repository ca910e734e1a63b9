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
		{"a bad platform among several", "docker:\n      args: [--no-cache, \"--platform=linux/arm64,amd64\"]",
			wantPos{6, 26, `images.app.docker.args[1]: --platform "amd64": want OS/ARCH[/VARIANT]`}},
		{"bad platform", "docker:\n      args: [--platform, arm64]",
			wantPos{6, 14, `--platform "arm64": want OS/ARCH[/VARIANT]`}},
		{"cache-from apart from its value", "buildKit:\n      args: [--cache-from, type=registry]",
			wantPos{6, 14, `images.app.buildKit.args[0]: --cache-from "type=registry": type=registry needs ref=IMAGE`}},
		{"inline cache-from", "docker:\n      args: [--cache-from=type=inline]",
			wantPos{6, 14, `--cache-from "type=inline": an inline cache is read from its image`}},
		{"unknown cache type", "docker:\n      args: [--cache-to, \"type=gha,scope=x\"]",
			wantPos{6, 14, `--cache-to "type=gha,scope=x": cache type "gha" is not supported: use registry, inline or local`}},
		{"local without dest", "docker:\n      args: [--cache-to=type=local]",
			wantPos{6, 14, `type=local needs dest=DIR`}},
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
		{"build-context without value", "buildKit:\n      args: [--build-context, extra]",
			wantPos{6, 14, `--build-context "extra": want NAME=VALUE`}},
		{"build-context oci-layout", "docker:\n      args: [--no-cache, \"--build-context=x=oci-layout://dir\"]",
			wantPos{6, 26, `images.app.docker.args[1]: --build-context "x=oci-layout://dir": oci-layout contexts are not supported`}},
		{"build-context named twice", "docker:\n      args: [--build-context=x=a, --build-context=x=b]",
			wantPos{6, 35, `context "x" is named twice`}},
		{"build-context for kaniko", "kaniko:\n      args: [--cache=true, --build-context, extra=./extra]",
			wantPos{6, 28, `images.app.kaniko.args[1]: kaniko has no named build contexts (--build-context is BuildKit's): build this image with docker: or buildKit:`}},
		{"build-context for the older kaniko block", "build:\n      kaniko:\n        args: [\"--build-context=extra=./extra\"]",
			wantPos{7, 16, `images.app.build.kaniko.args[0]: kaniko has no named build contexts`}},
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
		"--cache-from", "r/app:cache", "--cache-from=type=local,src=c", "--cache-to", "type=inline",
		"--cache-to=type=registry,ref=r/app:cache,mode=max", "--platform", "linux/arm/v7",
		"--platform=linux/amd64,linux/arm/v7", "--platform", "linux/arm64",
		"--build-context", "extra=./extra-dir", "--build-context=base=docker-image://alpine:3.20",
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
		CacheFrom: []BuildCache{{Type: "registry", Attrs: map[string]string{"ref": "r/app:cache"}},
			{Type: "local", Attrs: map[string]string{"src": "c"}}},
		CacheTo: []BuildCache{{Type: "inline", Attrs: map[string]string{}},
			{Type: "registry", Attrs: map[string]string{"ref": "r/app:cache", "mode": "max"}}},
		Platforms: []string{"linux/arm/v7", "linux/amd64", "linux/arm64"},
		Contexts:  []BuildContext{{Name: "extra", Value: "./extra-dir"}, {Name: "base", Value: "docker-image://alpine:3.20"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if !NeedsOwnBuildKitArgs([]string{"--platform=linux/amd64,linux/arm64"}) || NeedsOwnBuildKitArgs([]string{"--platform=linux/amd64", "--platform=linux/amd64"}) || NeedsOwnBuildKitArgs(nil) {
		t.Error("NeedsOwnBuildKitArgs: wrong count of distinct platforms")
	}
	if !NeedsOwnBuildKitArgs([]string{"--build-context=x=dir"}) {
		t.Error("NeedsOwnBuildKitArgs: a named context needs a BuildKit daemon of devspace's own")
	}
	if !want.Contexts[0].Local() || want.Contexts[1].Local() || (BuildContext{Value: "git@github.com:a/b.git"}).Local() {
		t.Error("BuildContext.Local: wrong answer")
	}
	if empty, _ := ParseBuildArgs(nil); !empty.Empty() {
		t.Errorf("no args: %+v is not Empty", empty)
	}
}
