package imagebuild

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRewriteDockerfile(t *testing.T) {
	t.Parallel()
	multi := "FROM golang AS build\nRUN go build\n\nFROM scratch AS final\nCOPY --from=build /app /app\n"
	tests := []struct {
		name  string
		text  string
		edits DockerfileEdits
		want  string
	}{
		{"no edits", "FROM scratch\nCMD [\"x\"]", DockerfileEdits{}, "FROM scratch\nCMD [\"x\"]"},
		{"no edits, target checked", multi, DockerfileEdits{Target: "build"}, multi},
		{
			"all at the end, in order", "FROM scratch\n",
			DockerfileEdits{Append: []string{"ENV A=1", "LABEL b=2"}, Entrypoint: []string{"/bin/app", "--flag"}, Cmd: []string{"run"}},
			"FROM scratch\nENV A=1\nLABEL b=2\nENTRYPOINT [\"/bin/app\",\"--flag\"]\nCMD [\"run\"]\n",
		},
		{"no trailing newline", "FROM scratch", DockerfileEdits{Cmd: []string{"a"}}, "FROM scratch\nCMD [\"a\"]\n"},
		{"empty entrypoint", "FROM scratch\n", DockerfileEdits{Entrypoint: []string{}}, "FROM scratch\nENTRYPOINT []\n"},
		{"json escaping", "FROM scratch\n", DockerfileEdits{Cmd: []string{`say "hi" <&>`}}, "FROM scratch\nCMD [\"say \\\"hi\\\" <&>\"]\n"},
		{
			"target in the middle", multi, DockerfileEdits{Target: "BUILD", Cmd: []string{"x"}},
			"FROM golang AS build\nRUN go build\n\nCMD [\"x\"]\nFROM scratch AS final\nCOPY --from=build /app /app\n",
		},
		{
			"target last", multi, DockerfileEdits{Target: "final", Cmd: []string{"x"}},
			multi + "CMD [\"x\"]\n",
		},
		{
			"FROM inside continuation and heredoc is no stage",
			"FROM a AS one\nRUN echo \\\n  FROM x AS two\nRUN <<EOF\nFROM y AS three\nEOF\nFROM b AS four\n",
			DockerfileEdits{Target: "one", Cmd: []string{"x"}},
			"FROM a AS one\nRUN echo \\\n  FROM x AS two\nRUN <<EOF\nFROM y AS three\nEOF\nCMD [\"x\"]\nFROM b AS four\n",
		},
		{
			"escape directive and platform flag",
			"# escape=`\nFROM --platform=$BUILDPLATFORM a AS one\nRUN echo `\n  FROM no\nFROM b\n",
			DockerfileEdits{Target: "one", Append: []string{"USER 1000"}},
			"# escape=`\nFROM --platform=$BUILDPLATFORM a AS one\nRUN echo `\n  FROM no\nUSER 1000\nFROM b\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := RewriteDockerfile("/p/Dockerfile", []byte(tt.text), tt.edits)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRewriteDockerfileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, target, want string
	}{
		{"missing", "FROM a AS build\nFROM b AS final\n", "prod", `Dockerfile /p/Dockerfile: target stage "prod" not found (stages: build, final)`},
		{"no stages", "FROM a\n", "prod", `Dockerfile /p/Dockerfile: target stage "prod" not found (no named stages)`},
		{"twice", "FROM a AS x\nFROM b as X\n", "x", `Dockerfile /p/Dockerfile: target stage "x" is defined twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := RewriteDockerfile("/p/Dockerfile", []byte(tt.text), DockerfileEdits{Target: tt.target, Cmd: []string{"x"}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
