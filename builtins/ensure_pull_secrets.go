package builtins

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/pullsecret"
)

func ensurePullSecrets(svc *Services) *engine.Builtin {
	return &engine.Builtin{
		Name:    "ensure_pull_secrets",
		Usage:   "ensure_pull_secrets [--all | PULLSECRET...] [--except PULLSECRET]...",
		Summary: "Create image pull secrets from your Docker logins and add them to the service accounts.",
		New:     func() engine.Command { return &ensurePullSecretsCmd{svc: svc} },
	}
}

type ensurePullSecretsCmd struct {
	svc         *Services
	all, render bool
	except      []string
}

func (p *ensurePullSecretsCmd) Flags(fs *pflag.FlagSet, c *engine.Call) {
	render, _ := c.Flag("render")
	p.render = cliBool(render) // `devspace deploy --render` touches no cluster
	fs.BoolVar(&p.all, "all", false, "every pullSecrets entry, and the registries of images whose createPullSecret is not false")
	fs.StringArrayVar(&p.except, "except", nil, "with --all, leave out this pull secret (repeatable)")
	for _, name := range []string{"set", "set-string", "from", "from-file"} {
		fs.StringArray(name, nil, "accepted for DevSpace compatibility")
	}
}

func (p *ensurePullSecretsCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	if !p.all && len(args) == 0 {
		return errors.New("either specify 'ensure_pull_secrets --all' or 'ensure_pull_secrets pullSecret1 pullSecret2'")
	}
	cfg := c.Config()
	secrets, err := pullsecret.Plan(cfg, p.all, p.except, args)
	if err != nil || len(secrets) == 0 || p.render {
		return err
	}
	return withStepEvents(ctx, c, "createPullSecrets", func() error { return p.ensure(ctx, c, secrets) })
}

// ensure creates or updates the pull secrets in every namespace the
// deployments use.
func (p *ensurePullSecretsCmd) ensure(ctx context.Context, c *engine.Call, secrets []pullsecret.Secret) error {
	cfg := c.Config()
	logins, err := docker.NewCredentials(c.Getenv)
	if err != nil {
		return err
	}
	if c.Secrets() != nil {
		logins.Seen = func(s string) { c.Secrets().Add(s) }
	}
	log := logTo(c, c.Stdout, "pullsecret:")
	resolved, err := pullsecret.Resolve(secrets, logins, log)
	if err != nil || len(resolved) == 0 {
		return err // no login anywhere: nothing to create, no cluster asked
	}
	client, err := p.svc.Kube(c)
	if err != nil {
		return err
	}
	// Pods run in the deployments' namespaces: each one needs the secret.
	namespaces := []string{client.Namespace}
	for _, name := range slices.Sorted(maps.Keys(cfg.Deployments)) {
		if ns := cfg.Deployments[name].Namespace; ns != "" && !slices.Contains(namespaces, ns) {
			namespaces = append(namespaces, ns)
		}
	}
	for _, ns := range namespaces {
		if err := client.EnsureNamespace(ctx, ns); err != nil {
			return err
		}
	}
	e := &pullsecret.Ensurer{Client: client, Log: log}
	return e.Ensure(ctx, resolved, namespaces)
}
