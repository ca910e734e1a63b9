package commands

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
)

// cleanupCommand is `devspace cleanup images` (and `local-registry`, in
// cleanup_registry.go): the daemon forgets the
// images this project built. Unlike DevSpace v6, which removes every tag
// of the images' repositories, only the tags devspace made are removed
// (its content tags, and the tags of the last recorded build), so an
// image of the same name that the user pulled or tagged stays.
func cleanupCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "cleanup",
		Usage: "Remove what devspace left behind",
		Subcommands: []*cli.Command{{
			Name:  "images",
			Usage: "Remove the images this project built from the Docker daemon (its content tags and recorded tags)",
			Flags: urfaveFlags(globalFlags),
			Action: projectAction(stdio, func(c *cli.Context, s *session, _ *flagValues) error {
				cache, warning := imagebuild.LoadCache(s.cfg.Path)
				if warning != nil {
					fmt.Fprintln(stdio.Stderr, "warning:", warning)
				}
				repos := map[string][]string{} // repository → recorded tags
				for name, img := range s.cfg.Images {
					rec, _ := cache.Image(name)
					repo := img.Image
					if rec.Configured == img.Image && rec.Image != "" {
						repo = rec.Image // built under the local registry's name
					}
					repos[repo] = append(repos[repo], rec.Tags...)
				}
				if len(repos) == 0 {
					fmt.Fprintln(stdio.Stdout, "No images in devspace.yaml")
					return nil
				}
				b, err := docker.New(c.Context, docker.Options{})
				if err != nil {
					return err
				}
				defer b.Close()
				return removeBuilt(c.Context, b, repos, stdio)
			}),
		}, cleanupLocalRegistryCommand(stdio)},
	}
}

// removeBuilt removes each repository's content tags and recorded tags.
func removeBuilt(ctx context.Context, b *docker.Builder, repos map[string][]string, stdio IO) error {
	var errs []error
	total := 0
	for _, repo := range slices.Sorted(maps.Keys(repos)) {
		recorded := repos[repo]
		removed, err := b.RemoveTags(ctx, repo, func(tag string) bool {
			return strings.HasPrefix(tag, imagebuild.DefaultTagPrefix) || slices.Contains(recorded, tag)
		})
		for _, ref := range removed {
			fmt.Fprintln(stdio.Stdout, "Removed", ref)
		}
		total += len(removed)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if total == 0 && len(errs) == 0 {
		fmt.Fprintln(stdio.Stdout, "No images of this project on the daemon")
	}
	return errors.Join(errs...)
}
