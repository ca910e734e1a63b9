package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/dev"
)

// resetPodsCommand is `devspace reset pods`: every workload this project
// replaced for dev mode gets its own pods back, as stop_dev does, also
// for dev configs that are no longer in devspace.yaml (the cluster
// records which project replaced what).
func resetPodsCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "pods",
		Usage: "Restore the workloads dev mode replaced (scale them back, delete the dev copies)",
		Flags: urfaveFlags(globalFlags),
		Action: projectAction(stdio, func(c *cli.Context, s *session, flags *flagValues) error {
			cl, err := openKube(flags)
			if err != nil {
				return err
			}
			restored, err := restoreAll(c.Context, func(ns string) ([]string, error) {
				return dev.ResetPods(c.Context, cl, ns, s.cfg.Name)
			}, devNamespaces(cl.Namespace, s.cfg.Dev))
			for _, w := range restored {
				fmt.Fprintln(stdio.Stdout, "Restored", w)
			}
			if err == nil && len(restored) == 0 {
				fmt.Fprintf(stdio.Stdout, "No replaced pods of project %s found\n", s.cfg.Name)
			}
			return err
		}),
	}
}

// devNamespaces are the namespace the dev configs without one use and
// those they name, each once, sorted.
func devNamespaces(def string, dev map[string]*config.DevPod) []string {
	nss := []string{def}
	for _, d := range dev {
		if ns := d.Namespace; ns != "" && !slices.Contains(nss, ns) {
			nss = append(nss, ns)
		}
	}
	slices.Sort(nss)
	return nss
}

// restoreAll restores in each namespace and returns what was restored,
// as NAMESPACE/KIND/NAME, and every failure.
func restoreAll(ctx context.Context, restore func(ns string) ([]string, error), namespaces []string) ([]string, error) {
	var done []string
	var errs []error
	for _, ns := range namespaces {
		if ctx.Err() != nil {
			return done, ctx.Err()
		}
		ws, err := restore(ns)
		for _, w := range ws {
			done = append(done, ns+"/"+w)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("reset pods in namespace %s: %w", ns, err))
		}
	}
	return done, errors.Join(errs...)
}
