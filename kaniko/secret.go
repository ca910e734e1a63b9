package kaniko

import (
	"context"
	"fmt"
	"io"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/pullsecret"
)

// pushSecret returns the dockerconfigjson secret the build pod mounts as
// kaniko's docker config, "" for none:
//   - kaniko.skipPullSecretMount: none;
//   - kaniko.pullSecret: that secret, which must exist (a pod mounting a
//     missing secret waits forever, DevSpace #2504);
//   - else the registry's pull secret, made in the build namespace from the
//     stored Docker login (never printed), or none when there is no login.
func (b *Builder) pushSecret(ctx context.Context, req imagebuild.Request, cfg *config.KanikoBuild, namespace string) (string, error) {
	if cfg.SkipPullSecretMount {
		return "", nil
	}
	if cfg.PullSecret != "" {
		s, err := b.Client.Get(ctx, kube.Ref{APIVersion: "v1", Kind: "Secret", Namespace: namespace, Name: cfg.PullSecret})
		if err != nil {
			return "", fmt.Errorf("kaniko.pullSecret %q: %w", cfg.PullSecret, err)
		}
		if s == nil {
			return "", fmt.Errorf("kaniko.pullSecret %q does not exist in namespace %s: create it (kubectl create secret docker-registry %s -n %s …), or leave the setting out to have one made from your docker login",
				cfg.PullSecret, namespace, cfg.PullSecret, namespace)
		}
		return cfg.PullSecret, nil
	}
	registry, err := pullsecret.Registry(req.Image)
	if err != nil {
		return "", err
	}
	secret := pullsecret.Secret{Name: req.Name, Registry: registry, SecretName: pullsecret.DefaultName(registry)}
	resolved, err := pullsecret.Resolve([]pullsecret.Secret{secret}, b.Logins, func(string) io.Writer { return req.Log })
	if err != nil || len(resolved) == 0 {
		return "", err
	}
	e := pullsecret.Ensurer{Client: b.Client, Log: func(string) io.Writer { return req.Log }}
	if err := e.Ensure(ctx, resolved, []string{namespace}); err != nil {
		return "", err
	}
	return secret.SecretName, nil
}
