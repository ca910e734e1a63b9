package docker

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// dockerHubSecretKey is how image pull secrets name Docker Hub.
const dockerHubSecretKey = "https://index.docker.io/v1/"

// PullSecretData returns the `.dockerconfigjson` content of an image pull
// secret for the registries of the given image references, with the
// credentials builds push with (Docker config, credential helpers).
// Registries are keyed exactly as the references write them: the kubelet
// matches `localhost:5001` and `127.0.0.1:5001` as different registries.
// Registries without credentials are left out; the list of them is
// returned so the caller can say that no secret is needed (or possible).
func (b *Builder) PullSecretData(images []string) (data []byte, without []string, err error) {
	return pullSecretData(b.creds, images)
}

type secretAuth struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Auth     string `json:"auth"`
}

func pullSecretData(creds *authCache, images []string) ([]byte, []string, error) {
	auths := map[string]secretAuth{}
	var without []string
	for _, ref := range images {
		host, err := registryHost(ref)
		if err != nil {
			return nil, nil, err
		}
		key := host
		if host == "docker.io" {
			key = dockerHubSecretKey
		}
		if _, done := auths[key]; done || slices.Contains(without, host) {
			continue
		}
		a, err := creds.get(host)
		if err != nil {
			return nil, nil, fmt.Errorf("pull secret for %s: %w", ref, err)
		}
		user, pass := a.Username, a.Password
		if a.IdentityToken != "" {
			pass = a.IdentityToken
		}
		if user == "" && pass == "" && a.Auth == "" {
			without = append(without, host)
			continue
		}
		auth := a.Auth
		if user != "" || pass != "" {
			auth = base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		}
		auths[key] = secretAuth{Username: user, Password: pass, Auth: auth}
	}
	sort.Strings(without)
	data, err := json.Marshal(map[string]any{"auths": auths})
	return data, without, err
}
