package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
)

// The files in testdata/convert are DevSpace 5 configs shaped like those of
// DevSpace's examples and e2e suites; NAME.want.yaml is what
// `devspace print --convert` must write for NAME.yaml.

func TestConvertFileGolden(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"v1beta11-shop", "v1beta10-api", "v1beta9-web"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir, _ := filepath.Abs(filepath.Join("testdata", "convert"))
			var notes bytes.Buffer
			got, err := ConvertFile(LoadOptions{File: name + ".yaml", Dir: dir, Stderr: &notes})
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join(dir, name+".want.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("converted file (-want +got):\n%s", diff)
			}
			if notes.Len() > 0 {
				t.Errorf("notes for a config with nothing left out:\n%s", notes.String())
			}
			// The file written for the user loads as v2beta1, profiles too.
			cfg := mustLoad(t, string(got), LoadOptions{Environ: []string{"GHCR_TOKEN=secret-token"}})
			if cfg.Version != SchemaVersion || cfg.Pipelines["deploy"] == nil {
				t.Errorf("converted file loaded as version %q with pipelines %v", cfg.Version, cfg.Pipelines)
			}
			for _, p := range cfg.Profiles {
				mustLoad(t, string(got), LoadOptions{Environ: []string{"GHCR_TOKEN=secret-token"}, Profiles: []string{p.Name}})
			}
		})
	}
}

func TestConvertOnLoad(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("testdata", "convert", "v1beta11-shop.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var notice bytes.Buffer
	cfg := mustLoad(t, string(src), LoadOptions{Environ: []string{"GHCR_TOKEN=secret-token"}, Stderr: &notice})
	if got := notice.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "version v1beta11 (DevSpace 5) converted to v2beta1") {
		t.Errorf("notice %q, want one line saying the file was converted", got)
	}
	if got := rawAt(t, cfg, "deployments.backend.helm.values.replicas"); got != uint64(2) {
		t.Errorf("replicas %v (%T), want the var's value 2", got, got)
	}
	if got := rawAt(t, cfg, "pullSecrets.backend.registry"); got != "registry.example.com:5000" {
		t.Errorf("image pull secret registry %v, want the image's registry", got)
	}
	if got := cfg.Pipelines["deploy"].Run; !strings.Contains(got, "ensure_pull_secrets pull-secret-0 backend\n") {
		t.Errorf("deploy pipeline:\n%s\nwant it to ensure both pull secrets", got)
	}
	if got := rawAt(t, cfg, "pullSecrets.pull-secret-0.password"); got != "secret-token" {
		t.Errorf("pull secret password %v, want the substituted variable", got)
	}

	// A profile's patches address the old layout (deployments.name=Backend)
	// and are applied before the conversion, as DevSpace does.
	cfg = mustLoad(t, string(src), LoadOptions{Environ: []string{"GHCR_TOKEN=x"}, Profiles: []string{"prod"}})
	if got := rawAt(t, cfg, "deployments.backend.helm.values.replicas"); got != uint64(5) {
		t.Errorf("with -p prod: replicas %v, want 5", got)
	}
	if got := rawAt(t, cfg, "images.backend.rebuildStrategy"); got != "always" {
		t.Errorf("with -p prod: rebuildStrategy %v, want always (added beside the other keys)", got)
	}
	if got := rawAt(t, cfg, "images.backend.dockerfile"); got != "./Dockerfile" {
		t.Errorf("with -p prod: dockerfile %v, want it kept", got)
	}
}

func TestConvertSections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		path      string // dotted path into Raw
		want      any
	}{
		{
			name: "empty config gets DevSpace's pipelines and the env file var",
			src:  "version: v1beta11\n",
			path: "pipelines",
			want: map[string]any{"build": map[string]any{"run": ""}, "deploy": map[string]any{"run": ""},
				"dev": map[string]any{"run": "start_dev --all"}, "purge": map[string]any{"run": "stop_dev --all"}},
		},
		{
			name: "vars resolve only when used unless alwaysResolve",
			src:  "version: v1beta11\nvars:\n- name: A\n  value: a\n- name: B\n  value: b\n  alwaysResolve: true\n",
			path: "vars",
			want: map[string]any{"A": map[string]any{"value": "a", "alwaysResolve": false}, "B": map[string]any{"value": "b", "alwaysResolve": true},
				"DEVSPACE_ENV_FILE": map[string]any{"value": ".env", "alwaysResolve": false}},
		},
		{
			name: "component chart: helm without a chart; helm flags become upgrade args",
			src:  "version: v1beta11\ndeployments:\n- name: app\n  helm:\n    componentChart: true\n    atomic: true\n    disableHooks: true\n    upgradeArgs: [--description=v5]\n    values: {containers: [{image: nginx}]}\n",
			path: "deployments.app",
			want: map[string]any{"helm": map[string]any{"values": map[string]any{"containers": []any{map[string]any{"image": "nginx"}}},
				"upgradeArgs": []any{"--description=v5", "--atomic", "--no-hooks"}}},
		},
		{
			name: "chart from git",
			src:  "version: v1beta11\ndeployments:\n- name: app\n  helm:\n    chart:\n      name: chart\n      git:\n        url: https://example.com/charts.git\n        branch: main\n        subPath: charts/app\n",
			path: "deployments.app.helm.chart",
			want: map[string]any{"name": "chart", "git": "https://example.com/charts.git", "branch": "main", "subPath": "charts/app"},
		},
		{
			name: "kubectl: cmdPath and replaceImageTags",
			src:  "version: v1beta11\ndeployments:\n- name: app\n  kubectl:\n    manifests: [k8s/]\n    kustomize: true\n    cmdPath: /bin/kubectl\n    replaceImageTags: false\n",
			path: "deployments.app",
			want: map[string]any{"updateImageTags": false, "kubectl": map[string]any{"manifests": []any{"k8s/"}, "kustomize": true, "kubectlBinaryPath": "/bin/kubectl"}},
		},
		{
			name: "deploy pipeline: concurrent, then sequential; disabled ones left out",
			src:  "version: v1beta11\ndeployments:\n- name: a\n  kubectl: {manifests: [a.yaml]}\n- name: b\n  concurrent: true\n  kubectl: {manifests: [b.yaml]}\n- name: c\n  disabled: true\n  kubectl: {manifests: [c.yaml]}\n- name: d\n  kubectl: {manifests: [d.yaml]}\n",
			path: "pipelines.deploy.run",
			want: "create_deployments b\ncreate_deployments a d --sequential",
		},
		{
			name: "image build options move up; kaniko caches by default",
			src:  "version: v1beta11\nimages:\n  app:\n    image: team/app\n    build:\n      kaniko:\n        namespace: builds\n        options:\n          target: prod\n          network: host\n",
			path: "images.app",
			want: map[string]any{"image": "team/app", "target": "prod", "network": "host", "kaniko": map[string]any{"namespace": "builds", "cache": true}},
		},
		{
			name: "custom build keeps passing the image unless skipImageArg",
			src:  "version: v1beta11\nimages:\n  app:\n    image: team/app\n    build:\n      custom:\n        command: ./build.sh\n",
			path: "images.app.custom",
			want: map[string]any{"command": "./build.sh", "skipImageArg": false},
		},
		{
			name: "build.disabled images are not built",
			src:  "version: v1beta11\nimages:\n  a:\n    image: team/a\n    build: {disabled: true}\n  b:\n    image: team/b\n",
			path: "pipelines.build.run",
			want: "build_images b",
		},
		{
			name: "injectRestartHelper is the legacy helper",
			src:  "version: v1beta11\nimages:\n  app:\n    image: team/app\n    injectRestartHelper: true\n",
			path: "images.app.injectLegacyRestartHelper",
			want: true,
		},
		{
			name: "dependencies: source inline, configName joined, vars a map, profile listed",
			src:  "version: v1beta11\ndependencies:\n- name: Auth\n  source:\n    path: ../auth\n    configName: devspace-ci.yaml\n  profile: ci\n  vars:\n  - {name: A, value: x}\n",
			path: "dependencies.auth",
			want: map[string]any{"path": "../auth/devspace-ci.yaml", "profiles": []any{"ci"}, "vars": map[string]any{"A": "x"}},
		},
		{
			name: "dependencies run before the rest",
			src:  "version: v1beta11\ndependencies:\n- name: auth\n  source: {path: ../auth}\n- name: off\n  disabled: true\n  source: {path: ../off}\n",
			path: "pipelines.purge.run",
			want: "stop_dev --all\nrun_dependencies auth --pipeline purge",
		},
		{
			name: "commands become a map; v1beta10 appended args by default",
			src:  "version: v1beta10\ncommands:\n- name: Test_All\n  command: go test\n",
			path: "commands",
			want: map[string]any{"test_all": map[string]any{"command": "go test", "appendArgs": true}},
		},
		{
			name: "commands in v1beta11 keep appendArgs as written",
			src:  "version: v1beta11\ncommands:\n- name: t\n  command: go test\n",
			path: "commands.t",
			want: map[string]any{"command": "go test"},
		},
		{
			name: "one dev config per selector, one container per containerName",
			src: `version: v1beta11
dev:
  ports:
  - name: app
    labelSelector: {app: web}
    forward: [{port: 8080, remotePort: 80, bindAddress: 0.0.0.0}]
  sync:
  - labelSelector: {app: web}
    containerName: web
    localSubPath: ./src
  - labelSelector: {app: web}
    containerName: sidecar
    containerPath: /data
    disableDownload: true
`,
			path: "dev.app",
			want: map[string]any{
				"labelSelector": map[string]any{"app": "web"},
				"ports":         []any{map[string]any{"port": "8080:80", "bindAddress": "0.0.0.0"}},
				"containers": map[string]any{
					"web":     map[string]any{"container": "web", "sync": []any{map[string]any{"path": "./src:."}}, "restartHelper": map[string]any{"inject": false}},
					"sidecar": map[string]any{"container": "sidecar", "sync": []any{map[string]any{"path": ".:/data", "disableDownload": true}}, "restartHelper": map[string]any{"inject": false}},
				},
			},
		},
		{
			name: "replacePods: devImage, patches, reverse ports from ports",
			src: `version: v1beta11
dev:
  replacePods:
  - imageSelector: team/api
    replaceImage: golang:1.22
    patches:
    - op: add
      path: spec.containers[0].env
      value: [{name: A, value: b}]
  ports:
  - imageSelector: team/api
    reverseForward: [{port: 5432}]
`,
			path: "dev.replace-0",
			want: map[string]any{
				"imageSelector": "team/api", "devImage": "golang:1.22",
				"patches":       []any{map[string]any{"op": "add", "path": "spec.containers[0].env", "value": []any{map[string]any{"name": "A", "value": "b"}}}},
				"reversePorts":  []any{map[string]any{"port": "5432"}},
				"restartHelper": map[string]any{"inject": false},
			},
		},
		{
			name: "arch of ports and sync goes to the dev config",
			src:  "version: v1beta11\ndev:\n  sync:\n  - labelSelector: {app: x}\n    arch: arm64\n",
			path: "dev.sync-0.arch",
			want: "arm64",
		},
		{
			name: "a terminal without a selector runs its command here after dev starts",
			src:  "version: v1beta11\ndev:\n  terminal:\n    command: [\"echo\", \"it's up\"]\n",
			path: "pipelines.dev.run",
			want: "start_dev --all\necho 'it'\"'\"'s up'",
		},
		{
			name: "v1beta9 interactive terminal is off unless defaultEnabled",
			src:  "version: v1beta9\ndev:\n  interactive:\n    terminal:\n      labelSelector: {app: x}\n      command: [bash]\n",
			path: "dev.terminal.terminal",
			want: map[string]any{"command": "bash", "enabled": false, "disableReplace": true, "disableScreen": true},
		},
		{
			name: "v1beta10 hooks: where/when become container and events",
			src:  "version: v1beta10\nhooks:\n- command: echo\n  when:\n    after:\n      deployments: all\n      pullSecrets: all\n    onError:\n      deployments: a,b\n  where:\n    container:\n      labelSelector: {app: x}\n",
			path: "hooks",
			want: []any{map[string]any{"command": "echo", "container": map[string]any{"labelSelector": map[string]any{"app": "x"}},
				"events": []any{"after:deploy", "after:createPullSecrets", "error:deploy:a", "error:deploy:b"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustLoad(t, tt.src, LoadOptions{keepRefused: true})
			var got any = cfg.Raw
			for _, key := range strings.Split(tt.path, ".") {
				m, ok := got.(map[string]any)
				if !ok {
					t.Fatalf("%s: %T is not a mapping\n%s", tt.path, got, rawYAML(cfg))
				}
				got = m[key]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s\nconverted:\n%s", tt.path, diff, rawYAML(cfg))
			}
		})
	}
}

func rawYAML(cfg *Config) string {
	out, _ := yaml.Marshal(cfg.Raw)
	return string(out)
}

func TestConvertErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      wantPos
	}{
		{
			name: "an unknown field of the old schema",
			src:  "version: v1beta11\ndeployments:\n- name: app\n  helm:\n    componentChart: true\n    valus: {}\n",
			want: wantPos{6, 5, `unknown field "valus" in deployments[0].helm (a v1beta11 config)`},
		},
		{
			name: "a converted value is checked at its place in the file",
			src:  "version: v1beta11\nimages:\n  app:\n    image: team/app\n    rebuildStrategy: sometimes\n",
			want: wantPos{5, 22, `unknown rebuildStrategy "sometimes"`},
		},
		{
			name: "a wrong type in a carried-over value",
			src:  "version: v1beta11\ndev:\n  sync:\n  - imageSelector: x\n    disableUpload: maybe\n",
			want: wantPos{5, 20, "expected a boolean"},
		},
		{
			name: "a deployment without a name",
			src:  "version: v1beta11\ndeployments:\n- kubectl: {manifests: [a.yaml]}\n",
			want: wantPos{3, 3, "a deployment needs a `name:`"},
		},
		{
			name: "a list where a mapping belongs",
			src:  "version: v1beta11\ndev:\n  terminal: [bash]\n",
			want: wantPos{3, 13, "dev.terminal: expected a mapping"},
		},
		{
			name: "two names that become one key",
			src:  "version: v1beta11\ndeployments:\n- name: Web\n  kubectl: {manifests: [a.yaml]}\n- name: web\n  kubectl: {manifests: [b.yaml]}\n",
			want: wantPos{5, 3, `deployments: "web" and an earlier entry both become "web" in v2beta1`},
		},
		{
			name: "a version DevSpace 6 does not convert either",
			src:  "version: v1beta8\n",
			want: wantPos{1, 10, "converts v1beta9, v1beta10, v1beta11"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tt.src, LoadOptions{})
			checkError(t, err, tt.want)
		})
	}
}

// TestConvertRefusesWhatMeansNothing: fields with no v2beta1 meaning are
// named, each at its line:col; print --convert names them and leaves them out.
func TestConvertRefusesWhatMeansNothing(t *testing.T) {
	t.Parallel()
	src := `version: v1beta11
deployments:
- name: app
  helm:
    componentChart: true
    driver: secret
dev:
  autoReload:
    paths: [src]
  sync:
  - imageSelector: x
    onDownload:
      execLocal: {command: make}
`
	_, err := load(t, src, LoadOptions{})
	var le *LegacyError
	if !errors.As(err, &le) {
		t.Fatalf("got %v, want a LegacyError", err)
	}
	var got []string
	for _, f := range le.Fields {
		got = append(got, f.Pos.String()[len(f.Pos.File):]+" "+f.Msg[:strings.Index(f.Msg, ":")])
	}
	want := []string{":6:5 deployments[0].helm.driver", ":12:5 dev.sync[0].onDownload", ":8:3 dev.autoReload"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields named (-want +got):\n%s\n%v", diff, err)
	}
	if !strings.Contains(err.Error(), "   6 |     driver: secret") {
		t.Errorf("error has no snippet of the field:\n%v", err)
	}

	dir := writeConfig(t, src)
	var notes bytes.Buffer
	out, err := ConvertFile(LoadOptions{Dir: dir, Stderr: &notes})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "driver") || strings.Contains(string(out), "onDownload") || strings.Contains(string(out), "autoReload") {
		t.Errorf("converted file keeps a field with no meaning:\n%s", out)
	}
	if n := strings.Count(notes.String(), "left out: "); n != 3 || !strings.Contains(notes.String(), "devspace.yaml:6:5: deployments[0].helm.driver") {
		t.Errorf("notes:\n%s\nwant the three fields, positioned", notes.String())
	}
}

func TestConvertRefusesStrategicMerge(t *testing.T) {
	t.Parallel()
	src := "version: v1beta11\nprofiles:\n- name: p\n  strategicMerge:\n    images: {}\n"
	_, err := load(t, src, LoadOptions{})
	var le *LegacyError
	if !errors.As(err, &le) || len(le.Fields) != 1 || le.Fields[0].Pos.Line != 4 || le.Fields[0].Pos.Col != 3 ||
		!strings.Contains(le.Fields[0].Msg, "profiles[0].strategicMerge: DevSpace 6 has no strategicMerge") {
		t.Fatalf("got %v, want strategicMerge named at 4:3", err)
	}
	var notes bytes.Buffer
	out, err := ConvertFile(LoadOptions{Dir: writeConfig(t, src), Stderr: &notes})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notes.String(), "devspace.yaml:4:3: profiles[0].strategicMerge") || strings.Contains(string(out), "strategicMerge") {
		t.Errorf("notes:\n%s\nout:\n%s\nwant strategicMerge named and left out", notes.String(), out)
	}
}

// TestConvertFileProfiles: each profile becomes patches of the entries it
// changes; one that cannot be applied alone is left out with a note.
func TestConvertFileProfiles(t *testing.T) {
	t.Parallel()
	src := `version: v1beta11
deployments:
- name: web
  kubectl: {manifests: [web.yaml]}
dependencies:
- name: dep
  disabled: ${DEP_OFF}
  source: {path: ../dep}
profiles:
- name: extra
  patches:
  - op: add
    path: deployments
    value:
      name: extra
      kubectl: {manifests: [extra.yaml]}
- name: bigger
  patches:
  - op: replace
    path: deployments.name=web.kubectl.manifests
    value: [big.yaml]
- name: broken
  patches:
  - op: add
    path: deployments.name=web.kubectl
    value: {manifests: [x.yaml]}
`
	var notes bytes.Buffer
	out, err := ConvertFile(LoadOptions{Dir: writeConfig(t, src), Stderr: &notes})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Profiles []struct {
			Name    string
			Patches []map[string]any
		}
	}
	if err := yaml.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Profiles) != 2 || got.Profiles[0].Name != "extra" || got.Profiles[1].Name != "bigger" {
		t.Fatalf("profiles %+v, want extra and bigger\n%s", got.Profiles, out)
	}
	var paths []string
	for _, p := range got.Profiles[0].Patches {
		paths = append(paths, fmt.Sprint(p["op"], " ", p["path"]))
	}
	want := []string{"add /deployments/extra", "replace /pipelines/deploy", "replace /pipelines/dev", "replace /pipelines/purge"}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("extra's patches (-want +got):\n%s\n%s", diff, out)
	}
	// Entry by entry, the two profiles still apply together.
	cfg := mustLoad(t, string(out), LoadOptions{Environ: []string{"DEP_OFF=false"}, Profiles: []string{"extra", "bigger"}})
	if got := rawAt(t, cfg, "deployments.web.kubectl.manifests"); !cmp.Equal(got, []any{"big.yaml"}) {
		t.Errorf("with both profiles web's manifests are %v", got)
	}
	if !strings.Contains(cfg.Pipelines["deploy"].Run, "create_deployments web extra --sequential") {
		t.Errorf("with both profiles the deploy pipeline is\n%s", cfg.Pipelines["deploy"].Run)
	}
	for _, want := range []string{
		`note: profile "broken" is left out: it cannot be applied on its own:`,
		"devspace.yaml:7:13: dependencies[0].disabled is ${DEP_OFF}, known only when the config loads",
	} {
		if !strings.Contains(notes.String(), want) {
			t.Errorf("notes:\n%s\nwant %q", notes.String(), want)
		}
	}
	if !strings.Contains(string(out), "disabled: ${DEP_OFF}") {
		t.Errorf("the variable flag is not kept:\n%s", out)
	}
}

func TestConvertFileOverlappingProfiles(t *testing.T) {
	t.Parallel()
	src := "version: v1beta11\ndeployments:\n- name: web\n  kubectl: {manifests: [a.yaml]}\nprofiles:\n" +
		"- name: one\n  patches:\n  - {op: replace, path: deployments.name=web.kubectl.manifests, value: [one.yaml]}\n" +
		"- name: two\n  patches:\n  - {op: replace, path: deployments.name=web.kubectl.manifests, value: [two.yaml]}\n"
	var notes bytes.Buffer
	if _, err := ConvertFile(LoadOptions{Dir: writeConfig(t, src), Stderr: &notes}); err != nil {
		t.Fatal(err)
	}
	if want := "note: profiles one, two all set /deployments/web: applied together, the last one's value wins"; !strings.Contains(notes.String(), want) {
		t.Errorf("notes:\n%s\nwant %q", notes.String(), want)
	}
}

func TestConvertFileNamesAVariableKey(t *testing.T) {
	t.Parallel()
	src := "version: v1beta11\nvars:\n- name: P\n  value: shop\ndeployments:\n- name: ${P}-web\n  kubectl: {manifests: [a.yaml]}\n"
	var notes bytes.Buffer
	if _, err := ConvertFile(LoadOptions{Dir: writeConfig(t, src), Stderr: &notes}); err != nil {
		t.Fatal(err)
	}
	if want := "devspace.yaml:6:3: deployments: the name ${P}-web becomes a key"; !strings.Contains(notes.String(), want) {
		t.Errorf("notes:\n%s\nwant %q", notes.String(), want)
	}
	// Loading resolves it first, as DevSpace does.
	cfg := mustLoad(t, src, LoadOptions{})
	if cfg.Deployments["shop-web"] == nil {
		t.Errorf("deployments %v, want shop-web", cfg.Deployments)
	}
}

func TestConvertFileRefusesV2(t *testing.T) {
	t.Parallel()
	dir := writeConfig(t, "version: v2beta1\n")
	if _, err := ConvertFile(LoadOptions{Dir: dir}); err == nil || !strings.Contains(err.Error(), "nothing to convert") {
		t.Errorf("got %v, want nothing to convert", err)
	}
}
