package commands

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/config"
)

func listCommand(stdio IO) *cli.Command {
	sub := func(name, usage string, list func(context.Context, *session, *tabwriter.Writer) error) *cli.Command {
		return &cli.Command{
			Name:  name,
			Usage: usage,
			Flags: urfaveFlags(globalFlags),
			Action: func(c *cli.Context) error {
				flags := newFlagValues()
				flags.fromCommand(c, globalFlags)
				s, err := openSession(c.Context, flags, stdio)
				if err != nil {
					return err
				}
				defer s.Close()
				w := tabwriter.NewWriter(s.stdio.Stdout, 0, 4, 2, ' ', 0)
				if err := list(c.Context, s, w); err != nil {
					return err
				}
				return w.Flush()
			},
		}
	}
	return &cli.Command{
		Name:  "list",
		Usage: "List pipelines, commands, vars, images, dependencies, deployments, profiles, contexts or namespaces",
		Subcommands: []*cli.Command{
			sub("pipelines", "List the pipelines (the config's and the defaults)", infallible(listPipelines)),
			sub("commands", "List the commands of devspace.yaml", infallible(listCommands)),
			sub("vars", "List the variables and their values", infallible(listVars)),
			sub("images", "List the images", infallible(listImages)),
			sub("dependencies", "List the dependencies, the whole tree", listDependencies),
			sub("deployments", "List the deployments: deployed or not, revision or objects, ready or why not", listDeployments),
			tableCommand("profiles", "List the config's profiles and which are active", stdio, listProfiles(stdio)),
			tableCommand("contexts", "List the kubeconfig's contexts", stdio, listContexts),
			tableCommand("namespaces", "List the cluster's namespaces", stdio, listNamespaces),
		},
	}
}

// infallible adapts a listing that reads only the loaded config.
func infallible(list func(*session, *tabwriter.Writer)) func(context.Context, *session, *tabwriter.Writer) error {
	return func(_ context.Context, s *session, w *tabwriter.Writer) error {
		list(s, w)
		return nil
	}
}

func listPipelines(s *session, w *tabwriter.Writer) {
	fmt.Fprintln(w, "NAME\tSOURCE\tFLAGS")
	for _, name := range s.eng.PipelineNames() {
		source, flags := "default", ""
		if p, ok := s.cfg.Pipelines[name]; ok {
			source = "devspace.yaml"
			var names []string
			for _, f := range p.Flags {
				names = append(names, "--"+f.Name)
			}
			flags = strings.Join(names, " ")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", name, source, flags)
	}
}

// listCommands lists the commands that are not internal; when some have
// a section, they are grouped by it (those without one first) and the
// section is shown.
func listCommands(s *session, w *tabwriter.Writer) {
	var shown []*config.Command
	sections := false
	for _, name := range slices.Sorted(maps.Keys(s.cfg.Commands)) {
		if cmd := s.cfg.Commands[name]; !cmd.Internal {
			shown = append(shown, cmd)
			sections = sections || cmd.Section != ""
		}
	}
	if !sections {
		fmt.Fprintln(w, "NAME\tDESCRIPTION")
		for _, cmd := range shown {
			fmt.Fprintf(w, "%s\t%s\n", cmd.Name, cmd.Description)
		}
		return
	}
	slices.SortStableFunc(shown, func(a, b *config.Command) int { return cmp.Compare(a.Section, b.Section) })
	fmt.Fprintln(w, "NAME\tSECTION\tDESCRIPTION")
	for _, cmd := range shown {
		fmt.Fprintf(w, "%s\t%s\t%s\n", cmd.Name, cmd.Section, cmd.Description)
	}
}

func listVars(s *session, w *tabwriter.Writer) {
	fmt.Fprintln(w, "NAME\tVALUE")
	for _, name := range slices.Sorted(maps.Keys(s.cfg.Variables)) {
		if !strings.Contains(name, ".") {
			fmt.Fprintf(w, "%s\t%s\n", name, s.stdio.secrets.Redact(s.cfg.Variables[name]))
		}
	}
}

func listImages(s *session, w *tabwriter.Writer) {
	fmt.Fprintln(w, "NAME\tIMAGE\tTAGS\tDOCKERFILE\tCONTEXT")
	for _, name := range slices.Sorted(maps.Keys(s.cfg.Images)) {
		img := s.cfg.Images[name]
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", name, img.Image, strings.Join(img.Tags, ","),
			cmp.Or(img.Dockerfile, "./Dockerfile"), cmp.Or(img.Context, "./"))
	}
}

// listDependencies loads the whole tree (each project once) and lists it
// depth first; paths are relative to the root project.
func listDependencies(ctx context.Context, s *session, w *tabwriter.Writer) error {
	tree, err := s.svc.Dependencies.Tree(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "NAME\tPATH\tPIPELINE\tNOTE")
	for _, e := range tree {
		path := e.Dir
		if rel, err := filepath.Rel(s.cfg.Dir, e.Dir); err == nil {
			path = rel
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", strings.Join(e.Chain, "/"), path, e.Pipeline, e.Note)
	}
	return nil
}

// readyCheck bounds how long list deployments looks at each workload: a
// crash or a failed image pull shows at once; a workload still rolling
// out is listed as not ready after this long.
const readyCheck = 3 * time.Second

// listDeployments lists every deployment of the config with its record
// in the namespace a deploy would use, and the readiness of its workloads.
func listDeployments(ctx context.Context, s *session, w *tabwriter.Writer) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	list, err := s.svc.DeploymentStatuses(ctx, s.eng.NewCall("list deployments", wd), readyCheck)
	if err != nil {
		return fmt.Errorf("list deployments: %w", err)
	}
	fmt.Fprintln(w, "NAME\tNAMESPACE\tDEPLOYED\tREVISION\tSTATUS")
	for _, st := range list {
		deployed, revision, status := "no", "-", "-"
		if st.Deployed {
			deployed = st.DeployedAt.Local().Format(time.DateTime)
			revision = fmt.Sprintf("%d object(s)", st.Objects)
			if st.Revision > 0 {
				revision = fmt.Sprintf("helm revision %d", st.Revision)
			}
			status = "ready"
			if !st.Ready {
				status = "not ready: " + st.Reason
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", st.Name, st.Namespace, deployed, revision, status)
	}
	return nil
}
