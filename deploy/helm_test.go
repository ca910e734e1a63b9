package deploy

import (
	"reflect"
	"testing"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/helm"
)

func TestHelmArgsMapToTheRequest(t *testing.T) {
	req := helm.Request{Chart: helm.Chart{Name: "nginx", RepoURL: "https://charts.example.com"}}
	args := []string{"--install", "--wait", "--timeout", "2m", "--version", "1.2.3", "--dependency-update",
		"-f", "prod.yaml", "--values", "/abs/x.yaml", "--set-file", "cert=tls/cert.pem", "--description", "d", "--post-renderer", "bin/fix"}
	if err := applyHelmArgs(&req, config.HelmUpgrade, args, "/proj"); err != nil {
		t.Fatal(err)
	}
	if !req.Wait || req.Timeout != "2m" || req.Chart.Version != "1.2.3" || !req.Chart.DependencyUpdate || req.Options.Description != "d" {
		t.Fatalf("request %+v", req)
	}
	if want := []string{"/proj/prod.yaml", "/abs/x.yaml"}; !reflect.DeepEqual(req.Options.ValuesFiles, want) {
		t.Errorf("values files %q, want %q", req.Options.ValuesFiles, want)
	}
	if req.Options.PostRenderer != "/proj/bin/fix" {
		t.Errorf("post-renderer %q, want /proj/bin/fix", req.Options.PostRenderer)
	}
	if want := []string{"cert=/proj/tls/cert.pem"}; !reflect.DeepEqual(req.Options.SetFile, want) {
		t.Errorf("set-file %q, want %q", req.Options.SetFile, want)
	}

	devel := helm.Request{Chart: helm.Chart{Name: "nginx", RepoURL: "https://charts.example.com"}}
	if err := applyHelmArgs(&devel, config.HelmTemplate, []string{"--devel"}, "/proj"); err != nil {
		t.Fatal(err)
	}
	if devel.Chart.Version != ">0.0.0-0" {
		t.Errorf("--devel: version %q", devel.Chart.Version)
	}
}
