package docker

import (
	"fmt"
	"strings"
	"sync"

	"github.com/distribution/reference"
	"github.com/docker/cli/cli/config/configfile"
	clitypes "github.com/docker/cli/cli/config/types"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"
)

// dockerHubKey is the key Docker Hub credentials are stored under.
const dockerHubKey = "https://index.docker.io/v1/"

// authCache resolves registry credentials from the Docker config file
// and its credential helpers (credsStore, credHelpers), once per registry
// for the lifetime of a Builder: a helper runs at most once per registry,
// also when builds run in parallel. Secrets never leave this type except
// in the encoded headers sent to the daemon.
type authCache struct {
	file *configfile.ConfigFile
	// fileErr is a failure to read the config file, reported when
	// credentials are needed.
	fileErr error

	mu      sync.Mutex
	entries map[string]*credEntry
}

type credEntry struct {
	once sync.Once
	auth registry.AuthConfig
	err  error
}

func newAuthCache(file *configfile.ConfigFile, fileErr error) *authCache {
	return &authCache{file: file, fileErr: fileErr, entries: map[string]*credEntry{}}
}

// get returns the credentials for a registry host ("docker.io",
// "localhost:5000", "ghcr.io"); empty ones when none are configured.
func (c *authCache) get(host string) (registry.AuthConfig, error) {
	c.mu.Lock()
	e, ok := c.entries[host]
	if !ok {
		e = &credEntry{}
		c.entries[host] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.auth, e.err = c.lookup(host) })
	return e.auth, e.err
}

func (c *authCache) lookup(host string) (registry.AuthConfig, error) {
	if c.fileErr != nil {
		return registry.AuthConfig{}, fmt.Errorf("credentials for registry %s: %w", host, c.fileErr)
	}
	key := host
	if host == "docker.io" {
		key = dockerHubKey
	}
	a, err := c.file.GetAuthConfig(key)
	if err != nil {
		return registry.AuthConfig{}, fmt.Errorf("credentials for registry %s from %s: %w; run `docker login %s`", host, c.file.Filename, err, host)
	}
	return toAPIAuth(a, key), nil
}

func toAPIAuth(a clitypes.AuthConfig, server string) registry.AuthConfig {
	return registry.AuthConfig{
		Username:      a.Username,
		Password:      a.Password,
		Auth:          a.Auth,
		ServerAddress: server,
		IdentityToken: a.IdentityToken,
		RegistryToken: a.RegistryToken,
	}
}

// header returns the X-Registry-Auth value for a registry host. With no
// credentials it encodes an empty config, which the daemon requires.
func (c *authCache) header(host string) (string, error) {
	a, err := c.get(host)
	if err != nil {
		return "", err
	}
	return authconfig.Encode(a)
}

// pullAuth returns the credentials the daemon may need to pull the base
// images named in a Dockerfile's FROM lines. Registries without
// credentials (or whose helper fails) are left out: a failing pull then
// reports the registry itself.
func (c *authCache) pullAuth(dockerfile []byte) map[string]registry.AuthConfig {
	out := map[string]registry.AuthConfig{}
	for _, host := range baseImageRegistries(dockerfile) {
		a, err := c.get(host)
		if err != nil || (a.Username == "" && a.Password == "" && a.Auth == "" && a.IdentityToken == "" && a.RegistryToken == "") {
			continue
		}
		out[a.ServerAddress] = a
	}
	return out
}

// registryHost returns the registry host of an image reference:
// "docker.io" for Docker Hub, else host[:port].
func registryHost(ref string) (string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", fmt.Errorf("image reference %q: %w", ref, err)
	}
	return reference.Domain(named), nil
}

// baseImageRegistries lists the registries of the images a Dockerfile's
// FROM lines name, skipping scratch, earlier stages and references built
// from ARGs.
func baseImageRegistries(dockerfile []byte) []string {
	stages := map[string]bool{"scratch": true}
	seen := map[string]bool{}
	var hosts []string
	for _, line := range strings.Split(string(dockerfile), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.EqualFold(f[0], "FROM") {
			continue
		}
		f = f[1:]
		for len(f) > 0 && strings.HasPrefix(f[0], "--") {
			f = f[1:]
		}
		if len(f) == 0 {
			continue
		}
		image := f[0]
		if !stages[strings.ToLower(image)] && !strings.Contains(image, "$") {
			if host, err := registryHost(image); err == nil && !seen[host] {
				seen[host] = true
				hosts = append(hosts, host)
			}
		}
		if len(f) >= 3 && strings.EqualFold(f[1], "AS") {
			stages[strings.ToLower(f[2])] = true
		}
	}
	return hosts
}
