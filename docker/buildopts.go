package docker

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/session/sshforward/sshprovider"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

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
	if len(o.Platforms) > 0 {
		attrs["platform"] = strings.Join(o.Platforms, ",")
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
	case len(req.Options.CacheFrom) > 0:
		return "--cache-from"
	case len(req.Options.CacheTo) > 0:
		return "--cache-to"
	case len(req.Options.Platforms) > 0:
		return "--platform"
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

// engineCache maps req's --cache-from / --cache-to onto what the Docker
// Engine's build API takes: the cache-from images (BuildKit imports
// their cache from the registry) and whether the image carries an inline
// cache (BuildKit exports one on the build arg BUILDKIT_INLINE_CACHE).
// A cache the Engine's builder cannot read or write is an error saying
// what can.
func engineCache(req imagebuild.Request) (from []string, inline bool, err error) {
	for _, c := range req.Options.CacheFrom {
		if c.Type != "registry" {
			return nil, false, fmt.Errorf("--cache-from type=%s: the Docker Engine's builder imports a cache only from a registry image (type=registry,ref=IMAGE); a local cache needs buildKit.inCluster", c.Type)
		}
		from = append(from, c.Attrs["ref"])
	}
	for _, c := range req.Options.CacheTo {
		if c.Type != "inline" {
			return nil, false, fmt.Errorf("--cache-to type=%s: the Docker Engine's builder exports a cache only inline, in the image it pushes (--cache-to type=inline, read back with --cache-from IMAGE); a %s cache needs buildKit.inCluster", c.Type, c.Type)
		}
		inline = true
	}
	return from, inline, nil
}

// solveCache maps req's --cache-from / --cache-to onto a BuildKit
// daemon's cache imports and exports, which take every type.
func solveCache(req imagebuild.Request) (imports, exports []bkclient.CacheOptionsEntry) {
	for _, c := range req.Options.CacheFrom {
		imports = append(imports, bkclient.CacheOptionsEntry{Type: c.Type, Attrs: maps.Clone(c.Attrs)})
	}
	for _, c := range req.Options.CacheTo {
		exports = append(exports, bkclient.CacheOptionsEntry{Type: c.Type, Attrs: maps.Clone(c.Attrs)})
	}
	return imports, exports
}

// enginePlatforms is req's --platform as the Engine's build API takes it
// (one platform: several build on a BuildKit daemon of their own, see
// package buildkit), nil for the daemon's own.
func enginePlatforms(req imagebuild.Request) []ocispec.Platform {
	if len(req.Options.Platforms) != 1 {
		return nil
	}
	p := req.Options.Platforms[0]
	parts := strings.SplitN(p, "/", 3)
	out := ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		out.Variant = parts[2]
	}
	return []ocispec.Platform{out}
}

// execFormatError is what the kernel answers a RUN step whose binaries
// are for another architecture when no binfmt_misc handler (QEMU) runs
// them.
const execFormatError = "exec format error"

// platformError explains a build of another platform that failed because
// its RUN steps cannot run on the builder's host: the error or the step's
// log (logged) says "exec format error".
func platformError(req imagebuild.Request, err error, logged bool) error {
	if err == nil || len(req.Options.Platforms) == 0 || !logged && !strings.Contains(err.Error(), execFormatError) {
		return err
	}
	p := strings.Join(req.Options.Platforms, ",")
	return fmt.Errorf("%w\nthe build is for --platform %s, and a RUN step's program for that platform cannot run on the builder's host: it needs binfmt_misc with QEMU emulation for %s (e.g. docker run --privileged --rm tonistiigi/binfmt --install all), or a builder on a %s node; FROM and COPY need no emulation",
		err, p, p, p)
}
