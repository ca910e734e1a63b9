package docker

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/docker/cli/cli/config"
	"github.com/google/go-cmp/cmp"
)

// TestPullSecretData builds .dockerconfigjson data from the Docker config:
// keyed by the registry as the image names it, Docker Hub under its
// index URL, registries without credentials listed apart.
func TestPullSecretData(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	userPass := base64.StdEncoding.EncodeToString([]byte("u1:p1"))
	hub := base64.StdEncoding.EncodeToString([]byte("hubuser:hubpass"))
	writeTree(t, dir, map[string]string{"config.json": `{"auths": {
		"localhost:5001": {"auth": "` + userPass + `"},
		"https://index.docker.io/v1/": {"auth": "` + hub + `"}}}`})
	file, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, without, err := pullSecretData(newAuthCache(file, nil),
		[]string{"localhost:5001/team/app:v1", "localhost:5001/team/other", "library/busybox", "127.0.0.1:5001/x"})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Auths map[string]secretAuth `json:"auths"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	want := map[string]secretAuth{
		"localhost:5001":              {Username: "u1", Password: "p1", Auth: userPass},
		"https://index.docker.io/v1/": {Username: "hubuser", Password: "hubpass", Auth: hub},
	}
	if diff := cmp.Diff(want, got.Auths); diff != "" {
		t.Errorf("auths (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"127.0.0.1:5001"}, without); diff != "" {
		t.Errorf("without (-want +got):\n%s", diff)
	}
}
