package config

import (
	"strings"
	"testing"
)

// TestDevArch: dev.*.arch and dev.*.containers.*.arch load with the two
// architectures the sync agent is built for (DevSpace v6's values);
// anything else is refused at its place.
func TestDevArch(t *testing.T) {
	cfg, err := load(t, `version: v2beta1
dev:
  app:
    imageSelector: localhost/app
    arch: arm64
    containers:
      side: {arch: amd64}
`, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Dev["app"]; p.Arch != "arm64" || p.Containers["side"].Arch != "amd64" {
		t.Errorf("arch %q, side's %q", p.Arch, p.Containers["side"].Arch)
	}
	for _, tc := range []struct{ src, want string }{
		{"dev:\n  app:\n    imageSelector: x\n    arch: x86_64\n", `devspace.yaml:5:11: arch "x86_64": use amd64 or arm64`},
		{"dev:\n  app:\n    imageSelector: x\n    containers:\n      side:\n        arch: arm\n", `devspace.yaml:7:15: arch "arm": use amd64 or arm64`},
	} {
		_, err := load(t, "version: v2beta1\n"+tc.src, LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %s", tc.src, err, tc.want)
		}
	}
}
