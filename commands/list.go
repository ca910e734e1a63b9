package commands

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

func listCommand(stdio IO) *cli.Command {
	sub := func(name, usage string, list func(*session, *tabwriter.Writer)) *cli.Command {
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
				list(s, w)
				return w.Flush()
			},
		}
	}
	return &cli.Command{
		Name:  "list",
		Usage: "List pipelines, commands, vars or images",
		Subcommands: []*cli.Command{
			sub("pipelines", "List the pipelines (the config's and the defaults)", listPipelines),
			sub("commands", "List the commands of devspace.yaml", listCommands),
			sub("vars", "List the variables and their values", listVars),
			sub("images", "List the images", listImages),
		},
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

func listCommands(s *session, w *tabwriter.Writer) {
	fmt.Fprintln(w, "NAME\tDESCRIPTION")
	for _, name := range slices.Sorted(maps.Keys(s.cfg.Commands)) {
		if cmd := s.cfg.Commands[name]; !cmd.Internal {
			fmt.Fprintf(w, "%s\t%s\n", name, cmd.Description)
		}
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
