package config

import (
	"strings"
	"testing"
)

func TestPositionedErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		opts LoadOptions
		want wantPos
		hint string
	}{
		{
			name: "syntax error",
			src: `version: v2beta1
images:
  app:
    image: x
    tags: [a
`,
			want: wantPos{5, 11, "sequence end token ']' not found"},
		},
		{
			name: "key indented by 3 instead of 4",
			src: `version: v2beta1
images:
  app:
    image: x
    context: .
   dockerfile: D
`,
			want: wantPos{6, 4, "not allowed in this context"},
			hint: "line 6 starts at column 4, line 5 at column 5",
		},
		{
			name: "key indented deeper than its sibling",
			src: `version: v2beta1
pipelines:
  dev:
    run: echo
     continueOnError: true
`,
			want: wantPos{5, 6, "indented deeper than the line above"},
		},
		{
			name: "tab indentation",
			src:  "version: v2beta1\nimages:\n\tapp: {}\n",
			want: wantPos{3, 1, "cannot start any token"},
			hint: "spaces, not tabs",
		},
		{
			name: "unknown field with suggestion",
			src: `version: v2beta1
pipelines:
  dev:
    run: echo
    contnueOnError: true
`,
			want: wantPos{5, 5, `unknown field "contnueOnError" in pipelines.dev (did you mean "continueOnError"?)`},
		},
		{
			name: "unknown field as first key of a mapping",
			src: `version: v2beta1
images:
  app:
    imagee: repo/app
`,
			want: wantPos{4, 5, `unknown field "imagee" in images.app (did you mean "image"?)`},
		},
		{
			name: "unknown top-level field",
			src: `version: v2beta1
pipeline:
  dev: echo
`,
			want: wantPos{2, 1, `unknown field "pipeline" (did you mean "pipelines"?)`},
		},
		{
			name: "unknown field without a near name lists the fields",
			src: `version: v2beta1
pipelines:
  dev:
    zzz: 1
`,
			want: wantPos{4, 5, "known fields: continueOnError, flags, run"},
		},
		{
			name: "unknown field in a sync's onUpload exec",
			src: `version: v2beta1
dev:
  app:
    sync:
      - path: .:/app
        onUpload:
          exec:
            - command: make
              onChnage: ["*.go"]
`,
			want: wantPos{9, 15, `unknown field "onChnage" in dev.app.sync[0].onUpload.exec[0] (did you mean "onChange"?)`},
		},
		{
			name: "wrong type",
			src: `version: v2beta1
pipelines:
  dev:
    run: echo
    continueOnError: maybe
`,
			want: wantPos{5, 22, `pipelines.dev.continueOnError: expected a boolean (true or false), got string "maybe"`},
		},
		{
			name: "missing version",
			src:  "name: demo\n",
			want: wantPos{1, 1, "missing `version: v2beta1`"},
		},
		{
			name: "wrong version",
			src:  "version: v1beta8\n",
			want: wantPos{1, 10, `unsupported config version "v1beta8"`},
		},
		{
			name: "version that is not a string",
			src:  "version: 2\n",
			want: wantPos{1, 10, `unsupported config version "2"`},
		},
		{
			name: "empty file",
			src:  "# nothing\n",
			want: wantPos{1, 1, "the file is empty"},
		},
		{
			name: "two documents",
			src:  "version: v2beta1\n---\nversion: v2beta1\n",
			want: wantPos{2, 1, "only one YAML document"},
		},
		{
			name: "undefined variable",
			src: `version: v2beta1
images:
  app:
    image: repo/${NOPE}
`,
			want: wantPos{4, 17, `variable "NOPE" is not defined`},
			hint: "--var NOPE=VALUE",
		},
		{
			name: "undefined variable in quotes",
			src: `version: v2beta1
images:
  app:
    image: "repo/${NOPE}"
`,
			want: wantPos{4, 18, `variable "NOPE" is not defined`},
		},
		{
			name: "undefined variable in a block scalar",
			src: `version: v2beta1
deployments:
  web:
    kubectl:
      inlineManifest: |
        kind: ConfigMap
        data: ${NOPE}
`,
			want: wantPos{7, 15, `variable "NOPE" is not defined`},
		},
		{
			name: "env variable missing",
			src: `version: v2beta1
vars:
  FOO:
    source: env
`,
			want: wantPos{3, 3, `variable "FOO" has no value`},
			hint: "set FOO in the environment",
		},
		{
			name: "invalid object name",
			src: `version: v2beta1
images:
  My_App:
    image: repo/app
`,
			want: wantPos{3, 3, `invalid name "My_App"`},
		},
		{
			name: "empty image",
			src: `version: v2beta1
images:
  app:
`,
			want: wantPos{3, 3, `image "app" is empty`},
		},
		{
			name: "two images build the same repository",
			src: `version: v2beta1
images:
  a:
    image: repo/app
  b:
    image: repo/app:v2
`,
			want: wantPos{6, 12, `images "a" and "b" both build "repo/app"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tt.src, tt.opts)
			e := checkError(t, err, tt.want)
			if e != nil && !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("hint %q does not contain %q", e.Hint, tt.hint)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	src := "version: v2beta1\npipelines:\n  dev:\n    run: echo\n    continueOnError: maybe\n"
	_, err := Parse("devspace.yaml", []byte(src), LoadOptions{})
	want := `devspace.yaml:5:22: pipelines.dev.continueOnError: expected a boolean (true or false), got string "maybe"
   5 |     continueOnError: maybe
     |                      ^`
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

func TestVarFlagWithoutEquals(t *testing.T) {
	t.Parallel()
	_, err := load(t, "version: v2beta1\n", LoadOptions{Vars: []string{"FOO"}})
	if err == nil || err.Error() != `--var "FOO": expected KEY=VALUE` {
		t.Errorf("got %v, want the --var error", err)
	}
}

func TestErrorInScript(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, `version: v2beta1
pipelines:
  block: |
    echo one
    echo (
  line: echo (
`, LoadOptions{})
	tests := []struct {
		name      string
		src       ScriptSource
		line, col int
		want      Pos
	}{
		{"block script line 2", cfg.Pipelines["block"].Script, 2, 6, Pos{Line: 5, Col: 10}},
		{"single-line script", cfg.Pipelines["line"].Script, 1, 6, Pos{Line: 6, Col: 14}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := cfg.ErrorInScript(tt.src, tt.line, tt.col, "boom")
			if e.Pos.Line != tt.want.Line || e.Pos.Col != tt.want.Col {
				t.Errorf("got %d:%d, want %d:%d", e.Pos.Line, e.Pos.Col, tt.want.Line, tt.want.Col)
			}
		})
	}
}
