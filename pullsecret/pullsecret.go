// Package pullsecret creates the image pull secrets pods need to pull
// from registries that require a login: one kubernetes.io/dockerconfigjson
// secret per registry, from the login the Docker CLI stored, added to the
// namespace's service accounts.
package pullsecret

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"

	"github.com/devspace-engine/devspace/config"
)

// Secret is one pull secret to ensure.
type Secret struct {
	// Name is the pullSecrets: key, or the image name for an image's
	// createPullSecret.
	Name     string
	Registry string
	// Username and Password come from the config; empty means the Docker
	// login for Registry.
	Username, Password, Email string
	// SecretName is the Kubernetes secret's name.
	SecretName      string
	ServiceAccounts []string
	// Explicit is false for secrets implied by an image's default
	// createPullSecret: a registry without a login then needs no secret
	// and gets no warning.
	Explicit bool
}

// Plan lists the secrets to ensure: the named pullSecrets entries (all of
// them but except with all), then, with all, one per registry of the
// images whose createPullSecret is not false.
func Plan(cfg *config.Config, all bool, except, names []string) ([]Secret, error) {
	var out []Secret
	selected := names
	if all {
		selected = nil
		for _, n := range slices.Sorted(maps.Keys(cfg.PullSecrets)) {
			if !slices.Contains(except, n) {
				selected = append(selected, n)
			}
		}
		selected = append(selected, names...)
	}
	for _, n := range selected {
		ps, ok := cfg.PullSecrets[n]
		if !ok {
			return nil, &notFoundError{name: n, known: slices.Sorted(maps.Keys(cfg.PullSecrets))}
		}
		s := Secret{Name: n, Registry: ps.Registry, Username: ps.Username, Password: ps.Password,
			Email: ps.Email, SecretName: ps.Secret, ServiceAccounts: ps.ServiceAccounts, Explicit: true}
		if s.Registry == "" {
			s.Registry = "docker.io"
		}
		out = append(out, s)
	}
	if all {
		out = append(out, fromImages(cfg, out)...)
	}
	for i := range out {
		if out[i].SecretName == "" {
			out[i].SecretName = DefaultName(out[i].Registry)
		}
		if len(out[i].ServiceAccounts) == 0 {
			out[i].ServiceAccounts = []string{"default"}
		}
	}
	return out, nil
}

// fromImages adds a secret for each registry that images push to and that
// no pullSecrets entry covers yet.
func fromImages(cfg *config.Config, have []Secret) []Secret {
	var out []Secret
	covered := map[string]bool{}
	for _, s := range have {
		covered[s.Registry] = true
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Images)) {
		img := cfg.Images[name]
		if img.CreatePullSecret != nil && !*img.CreatePullSecret {
			continue
		}
		host, err := Registry(img.Image)
		if err != nil || covered[host] {
			continue
		}
		covered[host] = true
		explicit := img.CreatePullSecret != nil
		out = append(out, Secret{Name: name, Registry: host, Explicit: explicit})
	}
	return out
}

// Registry returns the registry host of an image reference, as written
// ("127.0.0.1:5001", "ghcr.io"; "docker.io" for Docker Hub).
func Registry(image string) (string, error) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return "", err
	}
	return reference.Domain(named), nil
}

var unsafeName = regexp.MustCompile(`[^a-z0-9.-]+`)

// DefaultName is the secret name for a registry:
// devspace-pull-secret-HOST with the host made a valid object name.
func DefaultName(registry string) string {
	host := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(registry), "-"), "-.")
	return "devspace-pull-secret-" + host
}

type notFoundError struct {
	name  string
	known []string
}

func (e *notFoundError) Error() string {
	if len(e.known) == 0 {
		return "couldn't find pull secret " + e.name + " (devspace.yaml has no pullSecrets)"
	}
	return "couldn't find pull secret " + e.name + " (pullSecrets: " + strings.Join(e.known, ", ") + ")"
}
