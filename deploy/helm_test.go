package deploy

import (
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/helm"
)

func TestUpgradeArgsMapToTheRequest(t *testing.T) {
	var req helm.Request
	if err := applyUpgradeArgs(&req, []string{"--install", "--wait", "--timeout", "2m", "--create-namespace"}); err != nil {
		t.Fatal(err)
	}
	if !req.Wait || req.Timeout != "2m" {
		t.Fatalf("request %+v", req)
	}
	if err := applyUpgradeArgs(&req, []string{"--atomic"}); err == nil || !strings.Contains(err.Error(), `"--atomic" is not supported`) {
		t.Fatalf("error %v", err)
	}
}
