package deploy

import (
	"fmt"
	"testing"

	"github.com/devspace-engine/devspace/config"
)

// TestKinds: a deployment and a record are told apart by kind the same
// way in every direction: helm when it has a helm section, else kubectl
// (also for a deployment that names neither, whose deploy reports it).
func TestKinds(t *testing.T) {
	t.Parallel()
	d := &Deployer{}
	configs := []struct {
		dep  *config.Deployment
		want string
	}{
		{nil, "deploy.kubectlKind"},
		{&config.Deployment{}, "deploy.kubectlKind"},
		{&config.Deployment{Kubectl: &config.KubectlConfig{}}, "deploy.kubectlKind"},
		{&config.Deployment{Helm: &config.HelmConfig{}}, "deploy.helmKind"},
		{&config.Deployment{Helm: &config.HelmConfig{}, Kubectl: &config.KubectlConfig{}}, "deploy.helmKind"},
	}
	for _, c := range configs {
		if got := fmt.Sprintf("%T", d.kindOf(c.dep)); got != c.want {
			t.Errorf("kindOf(%+v) = %s, want %s", c.dep, got, c.want)
		}
	}
	records := []struct {
		rec  Record
		want string
	}{
		{Record{}, "deploy.kubectlKind"},
		{Record{Objects: []ObjectRecord{{}}}, "deploy.kubectlKind"},
		{Record{Helm: &HelmRecord{Release: "r"}}, "deploy.helmKind"},
	}
	for _, c := range records {
		if got := fmt.Sprintf("%T", d.recordedKind(c.rec)); got != c.want {
			t.Errorf("recordedKind(%+v) = %s, want %s", c.rec, got, c.want)
		}
	}
}
