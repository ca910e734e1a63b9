package buildimages

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/localregistry"
)

type discardLines struct{ io.Writer }

func (discardLines) Flush() error { return nil }

// TestLocalRegistryRequests: with localRegistry.enabled on a local
// cluster, a daemon image is pushed (not left to the cluster's daemon)
// under the registry's name, and a skip must check the registry; an
// in-cluster image is left alone.
func TestLocalRegistryRequests(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	yes := true
	cfg := &config.Config{
		Dir:           dir,
		Variables:     map[string]string{"DEVSPACE_CONTEXT": "docker-desktop"},
		LocalRegistry: &config.LocalRegistry{Enabled: &yes},
		Images: map[string]*config.Image{
			"app":     {Name: "app", Image: "app"},
			"cluster": {Name: "cluster", Image: "me/cluster", Kaniko: &config.KanikoBuild{}},
		},
	}
	started := 0
	r := &buildRun{toRegistry: map[string]bool{}, opts: Options{
		Config: cfg, Names: []string{"app", "cluster"}, SkipPushLocal: true,
		Getenv: func(string) string { return "" },
		Output: Output{Log: io.Discard, Stderr: io.Discard, Lines: func(*sync.Mutex, io.Writer, string) LineWriter {
			return discardLines{bufio.NewWriter(io.Discard)}
		}},
		Connections: Connections{LocalRegistry: func(context.Context, *config.Config, io.Writer) (*localregistry.Registry, error) {
			started++
			return &localregistry.Registry{Host: "localhost:31000"}, nil
		}},
	}}
	reqs, err := r.requests()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.rewriteToLocalRegistry(context.Background(), reqs); err != nil {
		t.Fatal(err)
	}
	app, cluster := reqs[0], reqs[1]
	if app.Image != "localhost:31000/library/app" || !app.Push || !app.RegistryForgets {
		t.Errorf("app: image %q, push %v, registry forgets %v", app.Image, app.Push, app.RegistryForgets)
	}
	if cluster.Image != "me/cluster" || cluster.RegistryForgets {
		t.Errorf("cluster: image %q, registry forgets %v", cluster.Image, cluster.RegistryForgets)
	}
	if started != 1 {
		t.Errorf("the registry was asked for %d times, want once", started)
	}
}
