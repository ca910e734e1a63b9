package commands

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/ui"
)

func runPipelineCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:            "run-pipeline",
		Usage:           "Run a pipeline of devspace.yaml",
		ArgsUsage:       "NAME [flags] [args...]",
		SkipFlagParsing: true, // pipeline flags are declared in the config
		HideHelpCommand: true, // "help" here is a user's name or argument, not a subcommand
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
		HideHelpCommand: true, // "help" here is a user's name or argument, not a subcommand
		Action: func(c *cli.Context) error {
			return runPipeline(c, stdio, name, c.Args().Slice())
		},
	}
}

func runPipeline(c *cli.Context, stdio IO, fixed string, args []string) error {
	flags := newFlagValues()
	flags.fromURFave(c, append(append([]flagSpec{}, globalFlags...), runFlags...))
	name, rest := commandPipeline(fixed), args
	if fixed == "render" {
		flags.values["render"] = "true" // manifests to stdout, hooks' output to stderr
	}
	if fixed == "" {
		name, rest = pipelineName(args)
		if name == "" {
			if wantsHelp(args) {
				return cli.ShowCommandHelp(c, "run-pipeline")
			}
			return &exitError{code: 2, msg: "run-pipeline: name the pipeline to run: devspace run-pipeline NAME (devspace list pipelines shows them)"}
		}
	}
	guess := preParse(name, rest, flags)
	var page *ui.Server
	var observer engine.Events
	if guess.boolean("show-ui") {
		page = ui.New()
		observer = page
	}
	s, err := openObservedSession(c.Context, guess, stdio, observer)
	if err != nil {
		return err
	}
	defer s.Close()
	if page != nil {
		if err := startUI(c.Context, s, page, ""); err != nil {
			return err
		}
		defer page.Close()
	}
	if p := guess.str("pipeline"); p != "" && fixed != "" {
		name = p
	}
	p, err := s.eng.Pipeline(name)
	if err != nil {
		return err
	}
	warn := s.stdio.Stderr
	if guess.boolean("no-warn") {
		warn = io.Discard
	}
	fs, pipelineFlags := pipelineFlagSet(name, p, flags, warn)
	if err := fs.Parse(rest); err != nil {
		return &exitError{code: 2, msg: fmt.Sprintf("%s: %s (see '%s --help')", name, err, usageName(fixed, name))}
	}
	if help, _ := fs.GetBool("help"); help {
		fmt.Fprintf(stdio.Stdout, "Usage: %s [flags] [args...]\n\nFlags:\n%s", usageName(fixed, name), fs.FlagUsages())
		return nil
	}
	flags.fromPflags(fs)
	if fixed == "render" && !flags.boolean("render") {
		return &exitError{code: 2, msg: "devspace render: --render=false: render only prints manifests; use devspace deploy to deploy"}
	}
	if err := checkOutput(fixed, name, flags, pipelineFlags); err != nil {
		return err
	}
	cli, own := splitFlags(flags, pipelineFlags)
	s.root.CLIFlags = cli // dependencies inherit the run's CLI flags
	err = withCommandHooks(c.Context, s.hooks, fixed, func() error {
		err := s.eng.RunPipeline(c.Context, name, engine.RunOptions{Args: fs.Args(), Flags: own, CLIFlags: cli})
		if err == nil {
			// start_dev's sessions keep running after the script: stay in the
			// foreground until they end or Ctrl-C.
			err = s.svc.WaitDev(c.Context)
		}
		return scriptResult(c.Context, fmt.Sprintf("pipeline %q", name), err)
	})
	if page != nil && c.Context.Err() == nil {
		holdPage(c.Context, stdio.Stdin, s.stdio.Stderr)
	}
	return err
}

// holdPage keeps the page of a finished run up, where it is most useful
// (why a deployment is not ready, a build's log): until Ctrl-C, and when
// stdin is no terminal (CI) also until stdin ends, so that a script
// with nothing on stdin never hangs.
func holdPage(ctx context.Context, stdin io.Reader, stderr io.Writer) {
	if engine.IsTerminal(stdin) || stdin == nil {
		fmt.Fprintf(stderr, "devspace ui: the run is over; the page stays up until Ctrl-C\n")
		<-ctx.Done()
		return
	}
	fmt.Fprintf(stderr, "devspace ui: the run is over; the page stays up until Ctrl-C or the end of stdin\n")
	ended := make(chan struct{})
	// Owned by the process: a read of stdin cannot be interrupted, and the
	// process exits right after ctx ends.
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		close(ended)
	}()
	select {
	case <-ctx.Done():
	case <-ended:
	}
}

// commandPipeline is the pipeline a command runs by default: its own
// name, except `devspace render`, which runs deploy with --render, as
// DevSpace's does.
func commandPipeline(fixed string) string {
	if fixed == "render" {
		return "deploy"
	}
	return fixed
}

// preParse is a first, lenient pass that finds the flags deciding which
// config loads. It works on a copy: it cannot know the pipeline's flags
// yet, and takes their short forms for global ones (-b for --force-build).
func preParse(name string, args []string, flags *flagValues) *flagValues {
	guess := flags.clone()
	pre := pflag.NewFlagSet(name, pflag.ContinueOnError)
	pre.ParseErrorsAllowlist.UnknownFlags = true
	pre.SetOutput(io.Discard)
	guess.addPflags(pre, append(append([]flagSpec{}, globalFlags...), runFlags...))
	pre.BoolP("help", "h", false, "")
	_ = pre.Parse(args)
	guess.fromPflags(pre)
	return guess
}

// splitFlags separates the CLI flags from the pipeline's own. The own
// flags belong to its job: leaving them out of the CLI flags keeps them
// from leaking into sub-pipelines (DevSpace e2e P1).
func splitFlags(flags *flagValues, ownNames []string) (cli, own map[string]string) {
	cli = maps.Clone(flags.values)
	own = make(map[string]string, len(ownNames))
	for _, name := range ownNames {
		own[name] = flags.values[name]
		delete(cli, name)
	}
	return cli, own
}

// pipelineFlagSet is the strict flag set of a pipeline command: the global
// and run flags plus the pipeline's own, which win over the global ones
// except over those that shape the config (see configFlag). It returns the
// own flags' names.
func pipelineFlagSet(name string, p *config.Pipeline, flags *flagValues, warn io.Writer) (*pflag.FlagSet, []string) {
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
		if g, ok := configFlag(f.Name, f.Short); ok && g.name == f.Name {
			fmt.Fprintf(warn, "warning: pipeline %s: --%s chooses the config, so the pipeline's flag %s keeps its default\n", name, g.name, f.Name)
			continue
		} else if ok {
			fmt.Fprintf(warn, "warning: pipeline %s: -%s is --%s, which chooses the config; use --%s\n", name, g.short, g.name, f.Name)
			f.Short = ""
		}
		short := f.Short
		if short != "" && fs.ShorthandLookup(short) != nil {
			short = ""
		}
		switch f.Type {
		case config.FlagBool:
			fs.BoolP(f.Name, short, len(def) > 0 && def[0] == "true", usage)
		case config.FlagInt:
			// An int flag, so that `--count abc` fails here rather than
			// reaching the script; the config checked that the default parses.
			n, _ := strconv.Atoi(strings.Join(def, ""))
			fs.IntP(f.Name, short, n, usage)
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

// configFlag finds the global flag that shapes the config (which file,
// profiles, variables, namespace) and has this name or short form. Those
// are read before the config, and so before the pipeline's flags are
// known: a pipeline flag cannot take them over.
func configFlag(name, short string) (flagSpec, bool) {
	for _, g := range globalFlags {
		switch g.name {
		case "config", "var", "profile", "disable-profile-activation", "namespace", "kube-context", "kubeconfig", "override-name":
			if g.name == name || short != "" && g.short == short {
				return g, true
			}
		}
	}
	return flagSpec{}, false
}

// usageName is how the user invoked the pipeline: `devspace build` or
// `devspace run-pipeline NAME`.
func usageName(fixed, name string) string {
	if fixed != "" {
		return "devspace " + fixed
	}
	return "devspace run-pipeline " + name
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

// checkOutput refuses --output where it means nothing: only `devspace
// build` prints a build report (build_images' --output), and only as JSON.
// A pipeline's own --output flag is its business.
func checkOutput(fixed, name string, flags *flagValues, own []string) error {
	out := flags.str("output")
	switch {
	case out == "" || slices.Contains(own, "output"):
		return nil
	case fixed != "build":
		return &exitError{code: 2, msg: fmt.Sprintf("%s: --output: only `devspace build` prints a build report", usageName(fixed, name))}
	case out != "json":
		return &exitError{code: 2, msg: fmt.Sprintf("devspace build: --output %q: the build report is printed as json only (-o json)", out)}
	}
	return nil
}
