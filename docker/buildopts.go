package docker

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/session/sshforward/sshprovider"

	"github.com/devspace-engine/devspace/imagebuild"
)

// maxSecretSize is BuildKit's own limit on a secret's size.
const maxSecretSize = 500 * 1024

// optionAttachables are what a build's session serves beyond the context
// and credentials: the values of req's --secret (read now, from the
// calling shell's environment or a file, and registered with req.Secrets
// so they are masked wherever text leaves the process) and its --ssh
// agents. Nil when req has neither.
func optionAttachables(req imagebuild.Request) ([]session.Attachable, error) {
	getenv := req.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var out []session.Attachable
	if len(req.Options.Secrets) > 0 {
		values := make(map[string][]byte, len(req.Options.Secrets))
		for _, s := range req.Options.Secrets {
			v, err := secretValue(s.ID, s.Env, s.Src, getenv)
			if err != nil {
				return nil, err
			}
			if req.Secrets != nil {
				req.Secrets.Add(string(v))
			}
			values[s.ID] = v
		}
		out = append(out, secretsprovider.FromMap(values))
	}
	if len(req.Options.SSH) > 0 {
		var confs []sshprovider.AgentConfig
		for _, s := range req.Options.SSH {
			paths := s.Paths
			if len(paths) == 0 {
				sock := getenv("SSH_AUTH_SOCK")
				if sock == "" {
					return nil, fmt.Errorf("--ssh %s: SSH_AUTH_SOCK is not set: start an ssh-agent (eval $(ssh-agent); ssh-add) or write --ssh %s=PATH to an agent socket or key file", s.ID, s.ID)
				}
				paths = []string{sock}
			}
			confs = append(confs, sshprovider.AgentConfig{ID: s.ID, Paths: paths})
		}
		agents, err := sshprovider.NewSSHAgentProvider(confs)
		if err != nil {
			return nil, fmt.Errorf("--ssh: %w", err)
		}
		out = append(out, agents)
	}
	return out, nil
}

// secretValue reads one secret. Its errors name the secret and where it
// was looked for, never a value.
func secretValue(id, env, src string, getenv func(string) string) ([]byte, error) {
	if env != "" {
		v := getenv(env)
		if v == "" {
			return nil, fmt.Errorf("--secret id=%s: the environment variable %s is empty or not set: set it before the build, or use src=FILE", id, env)
		}
		return []byte(v), nil
	}
	st, err := os.Stat(src)
	switch {
	case err != nil:
		return nil, fmt.Errorf("--secret id=%s: %w", id, err)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("--secret id=%s: %s is not a regular file", id, src)
	case st.Size() > maxSecretSize:
		return nil, fmt.Errorf("--secret id=%s: %s is %d bytes, more than BuildKit's limit of %d", id, src, st.Size(), maxSecretSize)
	}
	v, err := os.ReadFile(src)
	if err != nil {
		return nil, fmt.Errorf("--secret id=%s: %w", id, err)
	}
	return v, nil
}

// optionAttrs adds req's options to a Dockerfile frontend's attributes,
// for a build through the BuildKit client (the daemon's API takes them as
// fields of its own).
func optionAttrs(req imagebuild.Request, attrs map[string]string) {
	o := req.Options
	for _, k := range slices.Sorted(maps.Keys(o.Labels)) {
		attrs["label:"+k] = o.Labels[k]
	}
	if len(o.AddHosts) > 0 {
		hosts := make([]string, len(o.AddHosts))
		for i, h := range o.AddHosts {
			hosts[i] = strings.Replace(h, ":", "=", 1)
		}
		attrs["add-hosts"] = strings.Join(hosts, ",")
	}
	if o.NoCache {
		attrs["no-cache"] = ""
	}
	if o.Pull {
		attrs["image-resolve-mode"] = "pull"
	}
	if req.Network != "" {
		attrs["force-network-mode"] = req.Network
	}
}

// needsBuildKit says which of req's options only BuildKit can honour, for
// the classic builder's refusal.
func needsBuildKit(req imagebuild.Request) string {
	switch {
	case len(req.Options.Secrets) > 0:
		return "--secret"
	case len(req.Options.SSH) > 0:
		return "--ssh"
	}
	return ""
}

// entitlementsOf are what a solve of req must be allowed: the host
// network for --network=host (the daemon must allow it too).
func entitlementsOf(req imagebuild.Request) []string {
	if req.Network == "host" {
		return []string{"network.host"}
	}
	return nil
}
