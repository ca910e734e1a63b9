package localregistry

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/config"
)

func loadConfig(t *testing.T, text string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "devspace.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.LoadOptions{File: path, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestFromConfig(t *testing.T) {
	cfg := loadConfig(t, "version: v2beta1\nname: x\n")
	s, err := FromConfig(cfg, "ctx-ns")
	want := Settings{Namespace: "ctx-ns", Name: "registry", Image: "registry:2.8", Port: 5000, Size: "5Gi"}
	if err != nil || s != want {
		t.Errorf("defaults: %+v, %v; want %+v", s, err, want)
	}
	cfg = loadConfig(t, `version: v2beta1
name: x
localRegistry:
  namespace: infra
  name: reg
  image: my.io/registry:3
  port: 5050
  persistence: {enabled: true, size: 10Gi, storageClassName: fast}
`)
	s, err = FromConfig(cfg, "ctx-ns")
	want = Settings{Namespace: "infra", Name: "reg", Image: "my.io/registry:3", Port: 5050, Persistent: true, Size: "10Gi", StorageClass: "fast"}
	if err != nil || s != want {
		t.Errorf("set: %+v, %v; want %+v", s, err, want)
	}
}

// TestFromConfigRefuses: a bad value is refused at its line:col.
func TestFromConfigRefuses(t *testing.T) {
	for field, want := range map[string]string{
		"port: 70000":         "devspace.yaml:4:9: localRegistry.port 70000 is not a port",
		"name: Reg_1":         `devspace.yaml:4:9: localRegistry.name "Reg_1" is not a Kubernetes object name`,
		"image: 'UPPER:case'": `devspace.yaml:4:10: localRegistry.image "UPPER:case"`,
		"persistence: {enabled: true, size: lots}": `devspace.yaml:4:38: localRegistry.persistence.size "lots" is not a storage size`,
	} {
		cfg := loadConfig(t, "version: v2beta1\nname: x\nlocalRegistry:\n  "+field+"\n")
		_, err := FromConfig(cfg, "ns")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", field, err, want)
		}
	}
}
