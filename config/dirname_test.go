package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultProjectName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 70)
	tests := []struct{ dir, want string }{
		{"api", "api"},
		{"My App", "my-app"},
		{"web.frontend", "web-frontend"},
		{"team@host:src", "team-host-src"},
		{"my_app", "myapp"}, // DevSpace drops what it does not turn into '-'
		{"Ünïcode-svc", "ncode-svc"},
		{"ab", "devspace"}, // two characters or fewer
		{"___", "devspace"},
		{"-edge-", "edge"},
		{long, ""}, // checked below: cut to 55, then - and a hash
	}
	for _, tt := range tests {
		got := defaultProjectName(tt.dir)
		if tt.dir == long {
			// The suffix is the SHA-256 of the name; check its shape.
			if len(got) != maxProjectNameLen || !strings.HasPrefix(got, strings.Repeat("a", 55)+"-") {
				t.Errorf("defaultProjectName(70×a) = %q, want 55×a-HASH7", got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("defaultProjectName(%q) = %q, want %q", tt.dir, got, tt.want)
		}
		if !objectName.MatchString(got) {
			t.Errorf("defaultProjectName(%q) = %q is not a valid name", tt.dir, got)
		}
	}
}

func TestProjectNameFromDirectoryIsNormalised(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "My Shop.API")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, DefaultFile), []byte("version: v2beta1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(LoadOptions{Dir: dir, Environ: []string{"KUBECONFIG=" + filepath.Join(dir, "none")}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "my-shop-api" || cfg.Variables["DEVSPACE_NAME"] != "my-shop-api" {
		t.Errorf("name %q, DEVSPACE_NAME %q; want my-shop-api", cfg.Name, cfg.Variables["DEVSPACE_NAME"])
	}
}
