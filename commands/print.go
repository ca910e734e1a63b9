package commands

import (
	"fmt"

	"github.com/goccy/go-yaml"
	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/redact"
)

// printCommand shows the config after variables and profiles: what the
// pipelines will actually see.
func printCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:  "print",
		Usage: "Print the resolved devspace.yaml (variables substituted, profiles applied)",
		Flags: urfaveFlags(globalFlags),
		Action: func(c *cli.Context) error {
			flags := newFlagValues()
			flags.fromCommand(c, globalFlags)
			s, err := openSession(c.Context, flags, stdio)
			if err != nil {
				return err
			}
			defer s.Close()
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
