package deploy

import (
	"errors"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/config"
)

// The component chart's schema complaints point at the value in
// devspace.yaml; other errors pass unchanged.
func TestComponentValuesErrorPointsAtTheValue(t *testing.T) {
	src := `version: v2beta1
name: cc
deployments:
  web:
    helm:
      values:
        replicas: two
        containers:
        - image: x
          ports: []
`
	cfg, err := config.Parse("/p/devspace.yaml", []byte(src), config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := &Deployer{Config: cfg}
	helmErr := errors.New(`template release "web" in namespace "x": values don't meet the specifications of the schema(s) in the following chart(s):; component:; - at '/containers/0': additional properties 'ports' not allowed; - at '/replicas': got string, want integer`)
	got := d.componentValuesError("web", helmErr).Error()
	for _, want := range []string{
		`devspace.yaml:10:18: deployment web: the component chart has no value "ports" here`,
		`devspace.yaml:7:19: deployment web: component chart value: got string, want integer`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("error lacks %q:\n%s", want, got)
		}
	}
	other := errors.New("connection refused")
	if got := d.componentValuesError("web", other); got != other {
		t.Errorf("an unrelated error became %v", got)
	}
}

func TestPointerPath(t *testing.T) {
	for in, want := range map[string]string{"": "", "/containers/0": ".containers[0]", "/service/ports/1/port": ".service.ports[1].port", "/annotations/a~1b": ".annotations.a/b"} {
		if got := pointerPath(in); got != want {
			t.Errorf("pointerPath(%q) = %q, want %q", in, got, want)
		}
	}
}
