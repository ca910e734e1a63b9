package docker

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/moby/moby/client"

	"github.com/devspace-engine/devspace/imagebuild"
)

// push pushes every tag of req through the daemon and returns the
// registry digest of the manifest (the same for every tag).
func (b *Builder) push(ctx context.Context, req imagebuild.Request, out *lineWriter) (string, error) {
	host, err := registryHost(req.Image)
	if err != nil {
		return "", err
	}
	auth, err := b.creds.header(host)
	if err != nil {
		return "", err
	}
	var digest string
	for _, tag := range req.Tags {
		ref := req.Image + ":" + tag
		d, err := b.pushTag(ctx, ref, auth, out)
		if err != nil {
			if ctx.Err() != nil {
				return "", fmt.Errorf("pushing %s: %w", ref, ctx.Err())
			}
			err = registryError("pushing "+ref, host, err)
			if req.Insecure {
				err = fmt.Errorf("%w; an insecure registry must also be in the daemon's insecure-registries (daemon.json)", err)
			}
			return "", err
		}
		if digest == "" {
			digest = d
		}
	}
	return digest, nil
}

func (b *Builder) pushTag(ctx context.Context, ref, auth string, out *lineWriter) (string, error) {
	resp, err := b.api.ImagePush(ctx, ref, client.ImagePushOptions{RegistryAuth: auth})
	if err != nil {
		return "", err
	}
	defer resp.Close()
	var digest string
	err = readStream(resp, out, func(m *message) {
		var aux struct{ Digest string }
		if len(m.Aux) > 0 && json.Unmarshal(m.Aux, &aux) == nil && aux.Digest != "" {
			digest = aux.Digest
		}
	})
	if err == nil && digest == "" {
		err = fmt.Errorf("the daemon reported no digest for %s", ref)
	}
	return digest, err
}
