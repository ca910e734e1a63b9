package runvars

import (
	"context"
	"errors"
	"testing"
)

func TestLazyDefaultsLoadOnceOnFirstRead(t *testing.T) {
	t.Parallel()
	loads := 0
	s := NewLazy(func() map[string]Image {
		loads++
		return map[string]Image{"app": {Image: "r/app", Tag: "v1"}}
	})
	if loads != 0 {
		t.Fatalf("loaded at construction")
	}
	for _, key := range []string{"images.app", "images.app.tag", "images.app.image"} {
		if _, err := s.Lookup(key); err != nil {
			t.Fatalf("Lookup(%s): %v", key, err)
		}
	}
	if got, _ := s.Lookup("images.app"); got != "r/app:v1" {
		t.Errorf("images.app = %q", got)
	}
	s.SetImage("app", Image{Image: "r/app", Tag: "v2"})
	if got, _ := s.Lookup("images.app.tag"); got != "v2" {
		t.Errorf("after SetImage: tag %q, want v2", got)
	}
	if loads != 1 {
		t.Errorf("loaded %d times, want 1", loads)
	}
	if _, err := s.Lookup("images.nope"); err == nil {
		t.Error("unknown image: want an error")
	}
}

func TestDependencyVariablesReadTheDependencysStore(t *testing.T) {
	t.Parallel()
	dep := New(map[string]Image{"app": {Image: "r/api", Tag: "v2"}})
	root := New(nil)
	if _, err := root.Lookup("dependencies.api.images.app"); err == nil || err.Error() != "runtime.dependencies.api.images.app: this project has no dependencies" {
		t.Errorf("without dependencies: err = %v", err)
	}
	root.SetDependencies(func(_ context.Context, name string) (*Store, error) {
		if name != "api" {
			return nil, errors.New("couldn't find dependency " + name)
		}
		return dep, nil
	})
	for key, want := range map[string]string{
		"dependencies.api.images.app":       "r/api:v2",
		"dependencies.api.images.app.tag":   "v2",
		"dependencies.api.images.app.image": "r/api",
	} {
		if got, err := root.Lookup(key); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", key, got, err, want)
		}
	}
	for key, want := range map[string]string{
		"dependencies.web.images.app": "runtime.dependencies.web.images.app: couldn't find dependency web",
		"dependencies.api":            "unexpected runtime variable runtime.dependencies.api: use runtime.dependencies.NAME.images.IMAGE (.image or .tag)",
		"dependencies.api.images.db":  `dependency api: runtime.images.db: image "db" is not defined in images (defined: app)`,
	} {
		if _, err := root.Lookup(key); err == nil || err.Error() != want {
			t.Errorf("%s: err = %v, want %q", key, err, want)
		}
	}
}
