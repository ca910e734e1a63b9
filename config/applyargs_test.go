package config

import (
	"strings"
	"testing"
)

func TestParseApplyArgs(t *testing.T) {
	for _, c := range []struct {
		args    []string
		want    KubectlApply
		bad     int
		wantErr string
	}{
		{args: nil, bad: -1},
		{args: []string{"--server-side", "--force-conflicts", "--prune"}, bad: -1},
		{args: []string{"--force-conflicts=false"}, want: KubectlApply{NoForce: true}, bad: -1},
		{args: []string{"--field-manager", "ci", "--force-conflicts=true"}, want: KubectlApply{FieldManager: "ci"}, bad: -1},
		{args: []string{"--field-manager=ci"}, want: KubectlApply{FieldManager: "ci"}, bad: -1},
		{args: []string{"--server-side", "--validate=false"}, bad: 1, wantErr: `"--validate=false" is not supported: manifests are applied server-side through the API`},
		{args: []string{"--server-side=false"}, bad: 0, wantErr: "always applied server-side"},
		{args: []string{"--field-manager"}, bad: 0, wantErr: "needs a name"},
		{args: []string{"--field-manager", "--prune"}, bad: 0, wantErr: "needs a name"},
		{args: []string{"--force-conflicts=maybe"}, bad: 0, wantErr: "want --force-conflicts"},
		{args: []string{"--prune=false"}, bad: 0, wantErr: "always removed"},
	} {
		got, bad, err := ParseApplyArgs(c.args)
		switch {
		case bad != c.bad:
			t.Errorf("%q: bad index %d, want %d (%v)", c.args, bad, c.bad, err)
		case c.wantErr == "" && (err != nil || got != c.want):
			t.Errorf("%q: %+v, %v; want %+v", c.args, got, err, c.want)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%q: error %v, want %q", c.args, err, c.wantErr)
		}
	}
}

// TestApplyArgsRefusedAtLoad: an applyArgs entry that has no meaning for
// a server-side apply fails the load at that entry.
func TestApplyArgsRefusedAtLoad(t *testing.T) {
	_, err := load(t, `version: v2beta1
deployments:
  app:
    kubectl:
      manifests: [k.yaml]
      applyArgs: [--field-manager, ci, --dry-run=server]
`, LoadOptions{})
	want := `/devspace.yaml:6:40: applyArgs: "--dry-run=server" is not supported`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want %s", err, want)
	}
}
