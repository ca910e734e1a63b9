package commands

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/localregistry"
)

// cleanupLocalRegistryCommand is `devspace cleanup local-registry`: the
// config's in-cluster local registry is deleted, with the images it holds.
func cleanupLocalRegistryCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "local-registry",
		Usage: "Delete the in-cluster local registry (localRegistry) and the images in it",
		Flags: urfaveFlags(globalFlags),
		Action: projectAction(stdio, func(c *cli.Context, s *session, _ *flagValues) error {
			wd, err := os.Getwd()
			if err != nil {
				return err
			}
			client, err := s.svc.Kube(s.eng.NewCall("cleanup local-registry", wd))
			if err != nil {
				return err
			}
			settings, err := localregistry.FromConfig(s.cfg, client.Namespace)
			if err != nil {
				return err
			}
			removed, err := localregistry.Remove(c.Context, client, settings)
			if err != nil {
				return err
			}
			if len(removed) == 0 {
				fmt.Fprintf(s.stdio.Stdout, "No local registry %s in namespace %s\n", settings.Name, settings.Namespace)
				return nil
			}
			fmt.Fprintf(s.stdio.Stdout, "Deleted the local registry %s in namespace %s (%s)\n", settings.Name, settings.Namespace, strings.Join(removed, ", "))
			return nil
		}),
	}
}
