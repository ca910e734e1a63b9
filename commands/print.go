package commands

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/redact"
)

// printCommand shows the config after variables and profiles: what the
// pipelines will actually see.
func printCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "print",
		Usage: "Print the resolved devspace.yaml (variables substituted, profiles applied); --convert: a DevSpace 5 config converted to v2beta1",
		Flags: append(urfaveFlags(globalFlags), &cli.BoolFlag{Name: "convert",
			Usage: "print a v1beta9/10/11 (DevSpace 5) devspace.yaml converted to v2beta1, variables and profiles kept, to save as the new devspace.yaml"}),
		Action: func(c *cli.Context) error {
			flags := newFlagValues()
			flags.fromCommand(c, globalFlags)
			if c.Bool("convert") {
				return printConverted(flags, stdio)
			}
			s, err := openSession(c.Context, flags, stdio)
			if err != nil {
				return err
			}
			defer s.Close()
			if flags.boolean("debug") {
				printOrigins(s.stdio.Stderr, s.cfg)
			}
			raw := maskTree(s.stdio.secrets, s.cfg.Raw)
			out, err := yaml.MarshalWithOptions(raw, yaml.IndentSequence(true))
			if err != nil {
				return fmt.Errorf("print config: %w", err)
			}
			_, err = s.stdio.Stdout.Write(out)
			return err
		},
	}
}

// printConverted writes the converted config; what was left out is named
// on stderr.
func printConverted(flags *flagValues, stdio IO) error {
	for _, f := range []string{"profile", "var", "disable-profile-activation"} {
		if flags.str(f) != "" && flags.str(f) != "false" {
			return fmt.Errorf("--%s has no effect with --convert: the converted file keeps every profile and ${VAR} as written", f)
		}
	}
	out, err := config.ConvertFile(config.LoadOptions{
		File:    flags.str("config"),
		Environ: os.Environ(),
		Stderr:  stdio.Stderr,
	})
	if err != nil {
		return err
	}
	_, err = stdio.Stdout.Write(out)
	return err
}

// printOrigins tells, for --debug, which file each entry of the config's
// sections was written in: the config itself or one of its imports.
func printOrigins(w io.Writer, cfg *config.Config) {
	for _, section := range slices.Sorted(maps.Keys(cfg.Raw)) {
		var paths []string
		switch v := cfg.Raw[section].(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				paths = append(paths, section+"."+k)
			}
		case []any:
			for i := range v {
				paths = append(paths, fmt.Sprintf("%s[%d]", section, i))
			}
		default:
			paths = []string{section}
		}
		for _, path := range paths {
			file, chain := cfg.Origin(path)
			if len(chain) > 0 {
				file += " (imported by " + strings.Join(chain, " → ") + ")"
			}
			fmt.Fprintf(w, "[debug] %s from %s\n", path, file)
		}
	}
}

// maskTree is a copy of a config tree with the secret values in its
// strings masked, before YAML quoting could split or escape them.
func maskTree(secrets *redact.Set, v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = maskTree(secrets, x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = maskTree(secrets, x)
		}
		return out
	case string:
		return secrets.Redact(v)
	case nil:
		return nil
	}
	if s := fmt.Sprint(v); secrets.Contains(s) { // a number used as a password
		return secrets.Redact(s)
	}
	return v
}
