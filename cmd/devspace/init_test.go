package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/testbed"
)

// initProject is a directory as a user has it before devspace init: a
// Dockerfile and a manifest running the image it builds.
func initProject(t *testing.T, base, image string) string {
	dir := filepath.Join(t.TempDir(), "shop-api")
	testbed.WriteTree(t, dir, map[string]string{
		"Dockerfile": fmt.Sprintf("FROM %s\nWORKDIR /srv\nEXPOSE 8080\nCMD [\"sleep\", \"3600\"]\n", base),
		"k8s/deployment.yaml": fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: api, image: "%s:latest"}]
`, image),
	})
	return dir
}

// TestInitThenDeploy runs devspace init without a terminal in a
// directory with a Dockerfile and a manifest, then deploys what it wrote:
// the image the manifest names is built, pushed and rolled out with its
// new tag. A second init refuses to overwrite the file.
func TestInitThenDeploy(t *testing.T) {
	env := testbed.Docker(t)
	kenv := testbed.Kube(t)
	dyn := dynamicClient(t, kenv.Kubeconfig)
	ns := fmt.Sprintf("init-%08x", rand.Uint32())
	t.Cleanup(func() { deleteNamespace(dyn, ns) })
	image := env.Registry + "/" + ns + "/api"
	dir := initProject(t, env.Busybox(t), image)

	out, errOut, code := devspaceIn(t, dir, "", "init")
	if code != 0 || !strings.Contains(out, "deployed with kubectl") {
		t.Fatalf("init: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	written, err := os.ReadFile(filepath.Join(dir, "devspace.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"name: shop-api", "image: " + image, "- ./k8s/", "imageSelector: " + image, "path: ./:/srv", `port: "8080"`} {
		if !strings.Contains(string(written), want) {
			t.Errorf("devspace.yaml lacks %q:\n%s", want, written)
		}
	}
	_, errOut, code = devspaceIn(t, dir, "", "init")
	if code == 0 || !strings.Contains(errOut, "devspace.yaml already exists") {
		t.Errorf("second init: exit %d, stderr %s", code, errOut)
	}

	cmdEnv := []string{"KUBECONFIG=" + kenv.Kubeconfig, "DOCKER_HOST=" + env.Host}
	runExample(t, dir, cmdEnv, "deploy", "-n", ns)
	waitRolledOut(t, dyn.Resource(kinds["deployment"]).Namespace(ns), "api")
}

// TestInitOnTerminal answers init's questions: the deploy method picked
// among those found, the image's default kept, a port typed.
func TestInitOnTerminal(t *testing.T) {
	dir := initProject(t, "busybox", "reg.example/shop/api")
	term := startOnTerminal(t, dir, "init")
	at := term.expect(0, "How is this project deployed?")
	term.typeKeys(keyDown + keyEnter) // component
	at = term.expect(at, "Image to build")
	term.typeKeys(keyEnter) // the manifests' image
	at = term.expect(at, "Port to forward")
	term.typeKeys("\x7f\x7f\x7f\x7f3000" + keyEnter)
	if err := term.wait(); err != nil {
		t.Fatalf("devspace init: %v\n%s", err, term.screen())
	}
	_ = at
	written, err := os.ReadFile(filepath.Join(dir, "devspace.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"containers:\n          - image: reg.example/shop/api", "- port: 3000", `port: "3000"`} {
		if !strings.Contains(string(written), want) {
			t.Errorf("devspace.yaml lacks %q:\n%s", want, written)
		}
	}
}
