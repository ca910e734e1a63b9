package config

import (
	"reflect"
	"testing"
)

func TestHelmArgsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		helm string // the deployments.web.helm entry's lines, indented by 6
		want wantPos
	}{
		{"no counterpart", "upgradeArgs: [--atomic, --dry-run]",
			wantPos{6, 31, `deployments.web.helm.upgradeArgs[1]: --dry-run is not supported here: use devspace render`}},
		{"shorthand", "templateArgs: [-n, other]",
			wantPos{6, 22, `deployments.web.helm.templateArgs[0]: --namespace is not supported here: set deployments.*.namespace, or -n`}},
		{"unknown", "upgradeArgs: [--no-such-flag]",
			wantPos{6, 21, `unknown helm flag --no-such-flag`}},
		{"not a flag", "upgradeArgs: [web, ./chart]",
			wantPos{6, 21, `"web" is not a flag: the release and chart are helm.releaseName and helm.chart`}},
		{"template flag in upgradeArgs", "upgradeArgs: [--kube-version=1.30]",
			wantPos{6, 21, `--kube-version is a flag of helm template: put it in helm.templateArgs`}},
		{"upgrade flag in templateArgs", "templateArgs: [--description, x, --atomic]",
			wantPos{6, 40, `templateArgs[2]: --atomic means nothing to a render`}},
		{"missing value", "upgradeArgs: [--description]",
			wantPos{6, 21, `--description needs a value`}},
		{"bad timeout", "upgradeArgs: [--timeout, soon]",
			wantPos{6, 21, `--timeout "soon": want a positive duration`}},
		{"negative history", "upgradeArgs: [--history-max=-1]",
			wantPos{6, 21, `--history-max: want 0 (keep every revision) or more`}},
		{"bad set-file", "upgradeArgs: [--set-file, conf]",
			wantPos{6, 21, `--set-file "conf": want KEY=PATH`}},
		{"version of a local chart", "chart: {name: ./chart}\n      upgradeArgs: [--wait, --version, 1.2.3]",
			wantPos{7, 29, `upgradeArgs[1]: --version and --devel choose the version of a chart from a repository`}},
		{"devel of the component chart", "templateArgs: [--devel]",
			wantPos{6, 22, `--version and --devel choose the version of a chart from a repository`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "version: v2beta1\ndeployments:\n  web:\n    helm:\n      values: {a: b}\n      " + tt.helm + "\n"
			_, err := load(t, src, LoadOptions{})
			checkError(t, err, tt.want)
		})
	}
}

func TestHelmArgsOfARepositoryChartLoad(t *testing.T) {
	t.Parallel()
	src := "version: v2beta1\ndeployments:\n  web:\n    helm:\n      chart: {name: nginx, repo: https://charts.example.com}\n" +
		"      upgradeArgs: [--version, 1.2.3, --atomic, -f, prod.yaml]\n      templateArgs: [--devel, --kube-version, '1.30', --skip-tests]\n"
	if _, err := load(t, src, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestParseHelmArgs(t *testing.T) {
	t.Parallel()
	got, err := ParseHelmArgs(HelmUpgrade, []string{
		"--install", "-i", "--create-namespace", "--wait", "--timeout", "120", "--atomic", "--force=true",
		"--reset-then-reuse-values", "--cleanup-on-fail", "--description", "from ci", "--history-max=3",
		"--wait-for-jobs", "--disable-openapi-validation", "--skip-schema-validation", "--skip-crds", "--no-hooks",
		"--enable-dns", "--take-ownership", "--dependency-update", "--labels", "team=a,tier=web",
		"-f", "a.yaml", "--values=b.yaml", "--set", "x=1,y=2", "--set", "z=3", "--set-string", "s=007",
		"--set-file", "cert=tls.pem", "--set-json", `j={"k":1}`, "--set-literal", "l=a,b",
		"--reset-values=false", "--reuse-values=false", "--post-renderer", "./kustomize.sh", "--post-renderer-args=a", "--post-renderer-args", "b c",
	})
	if err != nil {
		t.Fatal(err)
	}
	three := 3
	want := HelmOptions{
		Wait: true, Timeout: "120s", Atomic: true, Force: true, ResetThenReuseValues: true, CleanupOnFail: true,
		Description: "from ci", HistoryMax: &three, WaitForJobs: true, DisableOpenAPIValidation: true,
		SkipSchemaValidation: true, SkipCRDs: true, NoHooks: true, EnableDNS: true, TakeOwnership: true,
		DependencyUpdate: true, Labels: map[string]string{"team": "a", "tier": "web"},
		ValuesFiles: []string{"a.yaml", "b.yaml"}, Set: []string{"x=1,y=2", "z=3"}, SetString: []string{"s=007"},
		SetFile: []string{"cert=tls.pem"}, SetJSON: []string{`j={"k":1}`}, SetLiteral: []string{"l=a,b"},
		PostRenderer: "./kustomize.sh", PostRendererArgs: []string{"a", "b c"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	tmpl, err := ParseHelmArgs(HelmTemplate, []string{"--kube-version", "1.30.2", "-a", "a/v1,b/v2", "--api-versions=c/v1",
		"--is-upgrade", "--skip-tests", "--include-crds", "--version", "2.0.0", "--devel", "--description=r"})
	if err != nil {
		t.Fatal(err)
	}
	wantT := HelmOptions{KubeVersion: "1.30.2", APIVersions: []string{"a/v1", "b/v2", "c/v1"}, IsUpgrade: true,
		SkipTests: true, Version: "2.0.0", Devel: true, Description: "r"}
	if !reflect.DeepEqual(tmpl, wantT) {
		t.Errorf("got  %+v\nwant %+v", tmpl, wantT)
	}
}
