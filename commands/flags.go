package commands

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"github.com/urfave/cli/v2"
)

// flagKind is the value type of a CLI flag.
type flagKind int

const (
	kindBool flagKind = iota
	kindString
	kindInt
	kindStrings
)

// flagSpec declares a flag once; it becomes an urfave/cli flag (before the
// subcommand) and a pflag flag (after a pipeline subcommand, where the
// pipeline's own flags join it).
type flagSpec struct {
	name, short, usage string
	kind               flagKind
	def                string
	env                string // an environment variable that sets it
}

// globalFlags apply to every command.
var globalFlags = []flagSpec{
	{name: "config", short: "c", kind: kindString, usage: "the devspace.yaml to use", env: "DEVSPACE_CONFIG"},
	{name: "var", kind: kindStrings, usage: "set a variable (KEY=VALUE, repeatable)"},
	{name: "profile", short: "p", kind: kindStrings, usage: "apply a profile (repeatable)"},
	{name: "disable-profile-activation", kind: kindBool, usage: "ignore the profiles' activation rules"},
	{name: "namespace", short: "n", kind: kindString, usage: "the Kubernetes namespace to use"},
	{name: "kube-context", kind: kindString, usage: "the kube context to use"},
	{name: "kubeconfig", kind: kindString, usage: "the kubeconfig file to use"},
	{name: "debug", kind: kindBool, usage: "print each builtin call with its arguments"},
	{name: "silent", kind: kindBool, usage: "print only errors"},
	{name: "no-colors", kind: kindBool, usage: "never print colours (also: NO_COLOR)"},
	{name: "no-warn", kind: kindBool, usage: "hide warnings"},
	{name: "override-name", kind: kindString, usage: "use this project name instead of the config's"},
	{name: "inactivity-timeout", kind: kindInt, def: "0", usage: "accepted for DevSpace compatibility"},
	{name: "switch-context", short: "s", kind: kindBool, usage: "accepted for DevSpace compatibility"},
}

// runFlags apply to commands that run a pipeline; they set the defaults of
// the builtins (build_images --tag defaults to -t, and so on).
var runFlags = []flagSpec{
	{name: "force-build", short: "b", kind: kindBool, usage: "rebuild images even if unchanged"},
	{name: "skip-build", kind: kindBool, usage: "skip building images"},
	{name: "build-sequential", kind: kindBool, usage: "build images one after another"},
	{name: "explain", kind: kindBool, usage: "say per image whether it would be built and why, and the order; build nothing"},
	{name: "max-concurrent-builds", kind: kindInt, def: "0", usage: "at most this many builds at once (0: a limit chosen from the CPU count)"},
	{name: "tag", short: "t", kind: kindStrings, usage: "tag images with this tag (repeatable)"},
	{name: "skip-push", kind: kindBool, usage: "do not push images"},
	{name: "skip-push-local-kube", kind: kindBool, def: "true", usage: "do not push images when the cluster is local"},
	{name: "render", kind: kindBool, usage: "print manifests instead of deploying"},
	{name: "force-deploy", short: "d", kind: kindBool, usage: "deploy even if unchanged"},
	{name: "skip-deploy", kind: kindBool, usage: "skip deploying"},
	{name: "force-purge", kind: kindBool, usage: "purge even if other projects use the deployment"},
	{name: "skip-dependency", kind: kindStrings, usage: "skip this dependency (repeatable)"},
	{name: "dependency", kind: kindStrings, usage: "only run this dependency (repeatable)"},
	{name: "sequential-dependencies", kind: kindBool, usage: "run dependencies one after another"},
	{name: "pipeline", kind: kindString, usage: "run this pipeline instead of the command's own"},
	{name: "show-ui", kind: kindBool, usage: "serve a live page of the run on 127.0.0.1 (see devspace ui)"},
	{name: "output", short: "o", kind: kindString, usage: "devspace build: print each build_images call's report on stdout (json), the build output on stderr"},
}

// urfaveFlags turns specs into urfave/cli flags.
func urfaveFlags(specs []flagSpec) []cli.Flag {
	out := make([]cli.Flag, 0, len(specs))
	for _, s := range specs {
		var aliases []string
		if s.short != "" {
			aliases = []string{s.short}
		}
		var envs []string
		if s.env != "" {
			envs = []string{s.env}
		}
		switch s.kind {
		case kindBool:
			def, _ := strconv.ParseBool(s.def)
			out = append(out, &cli.BoolFlag{Name: s.name, Aliases: aliases, Usage: s.usage, Value: def, EnvVars: envs})
		case kindString:
			out = append(out, &cli.StringFlag{Name: s.name, Aliases: aliases, Usage: s.usage, Value: s.def, EnvVars: envs})
		case kindInt:
			def, _ := strconv.Atoi(s.def)
			out = append(out, &cli.IntFlag{Name: s.name, Aliases: aliases, Usage: s.usage, Value: def, EnvVars: envs})
		case kindStrings:
			out = append(out, &cli.StringSliceFlag{Name: s.name, Aliases: aliases, Usage: s.usage, EnvVars: envs})
		}
	}
	return out
}

// flagValues holds parsed flag values as get_flag sees them: slices
// space-joined, bools as true/false. lists keeps slices whole.
type flagValues struct {
	values map[string]string
	lists  map[string][]string
	set    map[string]bool // given explicitly on the command line
}

func newFlagValues() *flagValues {
	return &flagValues{values: map[string]string{}, lists: map[string][]string{}, set: map[string]bool{}}
}

// clone returns a copy that can be parsed into without changing v.
func (v *flagValues) clone() *flagValues {
	c := newFlagValues()
	maps.Copy(c.values, v.values)
	maps.Copy(c.lists, v.lists)
	maps.Copy(c.set, v.set)
	return c
}

func (v *flagValues) str(name string) string { return v.values[name] }
func (v *flagValues) list(name string) []string {
	return v.lists[name]
}
func (v *flagValues) boolean(name string) bool {
	b, _ := strconv.ParseBool(v.values[name])
	return b
}

// fromURFave reads the app-level flags (those given before the subcommand).
func (v *flagValues) fromURFave(c *cli.Context, specs []flagSpec) {
	for _, s := range specs {
		switch s.kind {
		case kindStrings:
			v.lists[s.name] = c.StringSlice(s.name)
			v.values[s.name] = strings.Join(v.lists[s.name], " ")
		default:
			v.values[s.name] = fmt.Sprint(c.Value(s.name))
		}
		if c.IsSet(s.name) {
			v.set[s.name] = true
		}
	}
}

// fromCommand reads flags given before the subcommand and, for commands
// that declare them too, after it (`devspace print -p prod`); the latter
// win. urfave/cli v2 looks a flag up in the innermost command declaring
// it, set or not, hence the two reads.
func (v *flagValues) fromCommand(c *cli.Context, specs []flagSpec) {
	lineage := c.Lineage()
	if len(lineage) < 2 {
		v.fromURFave(c, specs)
		return
	}
	v.fromURFave(lineage[1], specs)
	own := newFlagValues()
	own.fromURFave(c, specs)
	for _, s := range specs {
		if c.IsSet(s.name) {
			v.values[s.name], v.lists[s.name], v.set[s.name] = own.values[s.name], own.lists[s.name], true
		}
	}
}

// leadingFlags parses the flags before a command's NAME (`devspace run
// -p prod NAME args...`) and returns NAME and what follows, which belong
// to the command.
func (v *flagValues) leadingFlags(args []string, specs []flagSpec) ([]string, error) {
	fs := pflag.NewFlagSet("", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(false)
	v.addPflags(fs, specs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	v.fromPflags(fs)
	return fs.Args(), nil
}

// addPflags registers specs on a pflag set, defaulting to the values the
// app level already parsed.
func (v *flagValues) addPflags(fs *pflag.FlagSet, specs []flagSpec) {
	for _, s := range specs {
		switch s.kind {
		case kindBool:
			def, _ := strconv.ParseBool(cmp.Or(v.values[s.name], s.def))
			fs.BoolP(s.name, s.short, def, s.usage)
		case kindString:
			fs.StringP(s.name, s.short, cmp.Or(v.values[s.name], s.def), s.usage)
		case kindInt:
			def, _ := strconv.Atoi(cmp.Or(v.values[s.name], s.def))
			fs.IntP(s.name, s.short, def, s.usage)
		case kindStrings:
			fs.StringArrayP(s.name, s.short, v.lists[s.name], s.usage)
		}
	}
}

// fromPflags reads every flag of fs back into v.
func (v *flagValues) fromPflags(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if arr, ok := f.Value.(pflag.SliceValue); ok {
			v.lists[f.Name] = arr.GetSlice()
			v.values[f.Name] = strings.Join(arr.GetSlice(), " ")
		} else {
			v.values[f.Name] = f.Value.String()
		}
		if f.Changed {
			v.set[f.Name] = true
		}
	})
}
