package docker

import (
	"context"
	"fmt"
	"slices"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// RemoveTags removes from the daemon the tags of repository repo (as
// written in devspace.yaml, e.g. localhost:5000/api) that mine selects,
// and the image layers no other tag holds. It returns the references it
// removed. A tag still used by a container is not forced away: the error
// names it.
func (b *Builder) RemoveTags(ctx context.Context, repo string, mine func(tag string) bool) ([]string, error) {
	list, err := b.api.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("reference", repo)})
	if err != nil {
		return nil, fmt.Errorf("list the images of %s on the daemon at %s: %w", repo, b.endpoint.Host, err)
	}
	var refs []string
	for _, img := range list.Items {
		for _, ref := range img.RepoTags {
			r, tag, ok := cutTag(ref)
			if ok && r == repo && mine(tag) {
				refs = append(refs, ref)
			}
		}
	}
	slices.Sort(refs)
	var removed []string
	for _, ref := range refs {
		_, err := b.api.ImageRemove(ctx, ref, client.ImageRemoveOptions{PruneChildren: true})
		switch {
		case cerrdefs.IsNotFound(err): // removed with another tag's image
		case err != nil:
			return removed, fmt.Errorf("remove image %s: %w", ref, err)
		default:
			removed = append(removed, ref)
		}
	}
	return removed, nil
}

// cutTag splits repo:tag; a colon inside the registry host (host:port/x)
// is not the tag's.
func cutTag(ref string) (repo, tag string, ok bool) {
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ref, "", false
	}
	return ref[:i], ref[i+1:], true
}
