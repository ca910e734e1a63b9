package docker

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
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

// Credentials reads registry credentials from the Docker config without
// a daemon: pull secrets need the login, not the engine.
type Credentials struct{ creds *authCache }

// NewCredentials reads the Docker config that getenv points at
// (DOCKER_CONFIG, else ~/.docker; nil getenv means os.Getenv).
func NewCredentials(getenv func(string) string) (*Credentials, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	file, _, fileErr, err := loadConfigFile(getenv, "")
	if err != nil {
		return nil, err
	}
	return &Credentials{creds: newAuthCache(file, fileErr)}, nil
}

// PullSecretData is Builder.PullSecretData without a daemon.
func (c *Credentials) PullSecretData(images []string) (data []byte, without []string, err error) {
	return pullSecretData(c.creds, images)
}

// Login returns the username and password (or identity token) stored for
// a registry host; both empty when there is no login.
func (c *Credentials) Login(host string) (user, password string, err error) {
	a, err := c.creds.get(host)
	if err != nil {
		return "", "", err
	}
	password = a.Password
	if a.IdentityToken != "" {
		password = a.IdentityToken
	}
	return a.Username, password, nil
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
