package builtins

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/dev"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/runvars"
)

// TestStartDevResolvesDevImagesToTheBuiltTag: the session config start_dev
// builds runs the tags just built for devImages naming images of images:,
// and a devImage that does not resolve is an error at its line:col.
func TestStartDevResolvesDevImagesToTheBuiltTag(t *testing.T) {
	t.Parallel()
	src := `version: v2beta1
name: p
images:
  app: {image: localhost:5000/app}
  app-dev: {image: localhost:5000/app-dev}
dev:
  app:
    labelSelector: {app: x}
    container: web
    devImage: localhost:5000/app-dev
    containers:
      side: {devImage: "${runtime.images.app.image}"}
      other: {devImage: "busybox:1"}
  bad:
    labelSelector: {app: x}
    containers:
      side:
        devImage: ${runtime.images.nope}
`
	cfg, err := config.Parse("devspace.yaml", []byte(src), config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	store := runvars.New(map[string]runvars.Image{"app": {Image: "localhost:5000/app"}, "app-dev": {Image: "localhost:5000/app-dev"}})
	store.SetImage("app", runvars.Image{Image: "localhost:5000/app", Tag: "a1", Built: true})
	store.SetImage("app-dev", runvars.Image{Image: "localhost:5000/app-dev", Tag: "d1", Built: true})
	c := engine.New(engine.Options{Config: cfg, Runtime: store}).NewCall("start_dev", "")

	session, err := dev.ConfigFor("app", cfg.Dev["app"], dev.Setup{ResolveImage: builtImage(c)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, ch := range session.Changes.Containers {
		got[ch.Container] = ch.Image
	}
	want := map[string]string{"web": "localhost:5000/app-dev:d1", "side": "localhost:5000/app:a1", "other": "busybox:1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("container images (-want +got):\n%s", diff)
	}

	_, err = dev.ConfigFor("bad", cfg.Dev["bad"], dev.Setup{ResolveImage: builtImage(c)})
	if err == nil || !strings.HasPrefix(err.Error(), "devspace.yaml:18:19: devImage: ${runtime.images.nope}") {
		t.Errorf("error %v, want one at devspace.yaml:18:19 naming devImage", err)
	}
}
