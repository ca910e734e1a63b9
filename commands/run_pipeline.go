package commands

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
)

func runPipelineCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:            "run-pipeline",
		Usage:           "Run a pipeline of devspace.yaml",
		ArgsUsage:       "NAME [flags] [args...]",
		SkipFlagParsing: true, // pipeline flags are declared in the config
		Action: func(c *cli.Context) error {
			return runPipeline(c, stdio, "", c.Args().Slice())
		},
	}
}

// pipelineCommand is build, deploy, dev or purge: the pipeline of that name
// in devspace.yaml, or the default one.
func pipelineCommand(name, usage string, stdio IO) *cli.Command {
	return &cli.Command{
		Name:            name,
		Usage:           usage,
		ArgsUsage:       "[flags] [args...]",
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			return runPipeline(c, stdio, name, c.Args().Slice())
		},
	}
}

func runPipeline(c *cli.Context, stdio IO, fixed string, args []string) error {
	flags := newFlagValues()
	flags.fromURFave(c, append(append([]flagSpec{}, globalFlags...), runFlags...))
	name, rest := fixed, args
	if fixed == "" {
		name, rest = pipelineName(args)
		if name == "" {
			if wantsHelp(args) {
				return cli.ShowCommandHelp(c, "run-pipeline")
			}
			return &exitError{code: 2, msg: "run-pipeline: name the pipeline to run: devspace run-pipeline NAME (devspace list pipelines shows them)"}
		}
	}
	// A first, lenient pass finds the flags that decide which config loads.
	pre := pflag.NewFlagSet(name, pflag.ContinueOnError)
	pre.ParseErrorsAllowlist.UnknownFlags = true
	pre.SetOutput(io.Discard)
	flags.addPflags(pre, append(append([]flagSpec{}, globalFlags...), runFlags...))
	pre.BoolP("help", "h", false, "")
	_ = pre.Parse(rest)
	flags.fromPflags(pre)

	s, err := openSession(flags, stdio)
	if err != nil {
		return err
	}
	defer s.Close()
	if p := flags.str("pipeline"); p != "" && fixed != "" {
		name = p
	}
	p, err := s.eng.Pipeline(name)
	if err != nil {
		return err
	}
	fs, pipelineFlags := pipelineFlagSet(name, p, flags)
	if err := fs.Parse(rest); err != nil {
		return &exitError{code: 2, msg: fmt.Sprintf("%s: %s (see 'devspace run-pipeline %s --help')", name, err, name)}
	}
	if help, _ := fs.GetBool("help"); help {
		fmt.Fprintf(stdio.Stdout, "Usage: devspace run-pipeline %s [flags] [args...]\n\nFlags:\n%s", name, fs.FlagUsages())
		return nil
	}
	flags.fromPflags(fs)
	s.eng.CLIFlags = flags.values
	own := map[string]string{}
	for _, f := range pipelineFlags {
		own[f] = flags.values[f]
	}
	err = s.eng.RunPipeline(c.Context, name, engine.RunOptions{Args: fs.Args(), Flags: own})
	return scriptResult(c.Context, fmt.Sprintf("pipeline %q", name), err)
}

// pipelineFlagSet is the strict flag set of a pipeline command: the global
// and run flags plus the pipeline's own. It returns the own flags' names.
func pipelineFlagSet(name string, p *config.Pipeline, flags *flagValues) (*pflag.FlagSet, []string) {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	var own []string
	for _, f := range p.Flags {
		def, _ := config.FlagDefault(f)
		usage := f.Description
		if usage == "" {
			usage = "flag " + f.Name
		}
		if fs.Lookup(f.Name) != nil {
			continue
		}
		short := f.Short
		if short != "" && fs.ShorthandLookup(short) != nil {
			short = ""
		}
		switch f.Type {
		case config.FlagBool:
			fs.BoolP(f.Name, short, len(def) > 0 && def[0] == "true", usage)
		case config.FlagInt:
			fs.StringP(f.Name, short, strings.Join(def, ""), usage)
		case config.FlagStringArray:
			fs.StringArrayP(f.Name, short, def, usage)
		default:
			fs.StringP(f.Name, short, strings.Join(def, ""), usage)
		}
		own = append(own, f.Name)
	}
	specs := append(append([]flagSpec{}, globalFlags...), runFlags...)
	for i := range specs {
		if fs.Lookup(specs[i].name) != nil {
			specs[i].name = "" // the pipeline's flag wins
		}
		if specs[i].short != "" && fs.ShorthandLookup(specs[i].short) != nil {
			specs[i].short = ""
		}
	}
	flags.addPflags(fs, nonEmpty(specs))
	fs.BoolP("help", "h", false, "show this help")
	return fs, own
}

func nonEmpty(specs []flagSpec) []flagSpec {
	out := specs[:0]
	for _, s := range specs {
		if s.name != "" {
			out = append(out, s)
		}
	}
	return out
}

// pipelineName finds the pipeline name: the first argument that is not a
// flag or a flag's value.
func pipelineName(args []string) (string, []string) {
	valued := map[string]bool{}
	for _, s := range append(append([]flagSpec{}, globalFlags...), runFlags...) {
		if s.kind != kindBool {
			valued["--"+s.name] = true
			if s.short != "" {
				valued["-"+s.short] = true
			}
		}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return "", args
		case strings.HasPrefix(a, "-"):
			if valued[a] {
				i++
			}
		default:
			rest := append(append([]string{}, args[:i]...), args[i+1:]...)
			return a, rest
		}
	}
	return "", args
}

func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "--help" {
			return true
		}
	}
	return false
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
