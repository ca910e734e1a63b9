package docker

import (
	"encoding/base64"
	"slices"
	"testing"

	"github.com/devspace-engine/devspace/testbed"
)

// TestCredentialsLogin reads logins from the Docker config without a
// daemon: by the registry as images name it, Docker Hub under its index
// URL, nothing for a registry without a login.
func TestCredentialsLogin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	userPass := base64.StdEncoding.EncodeToString([]byte("u1:p1"))
	hub := base64.StdEncoding.EncodeToString([]byte("hubuser:hubpass"))
	testbed.WriteTree(t, dir, map[string]string{"config.json": `{"auths": {
		"localhost:5001": {"auth": "` + userPass + `"},
		"https://index.docker.io/v1/": {"auth": "` + hub + `"}}}`})
	creds, err := NewCredentials(func(k string) string {
		if k == "DOCKER_CONFIG" {
			return dir
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	creds.Seen = func(s string) { seen = append(seen, s) }
	for host, want := range map[string][2]string{
		"localhost:5001": {"u1", "p1"},
		"docker.io":      {"hubuser", "hubpass"},
		"127.0.0.1:5001": {"", ""},
	} {
		user, pass, err := creds.Login(host)
		if err != nil || user != want[0] || pass != want[1] {
			t.Errorf("Login(%s) = %q, %q, %v; want %q, %q", host, user, pass, err, want[0], want[1])
		}
	}
	// Every password handed out is told to the run, to be masked.
	slices.Sort(seen)
	if !slices.Equal(seen, []string{"hubpass", "p1"}) {
		t.Errorf("seen %q, want the two passwords", seen)
	}
}
