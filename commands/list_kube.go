package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/kube"
)

// listOutputFlag is -o of the lists that can print json.
var listOutputFlag = flagSpec{name: "output", short: "o", kind: kindString, usage: "print json instead of a table (-o json)"}

// table is a listing: a header and rows, and the value -o json prints.
type table struct {
	header []string
	rows   [][]string
	json   any
}

// tableCommand is a `list` subcommand that prints a table, or json with
// -o json. list loads what the listing needs (the config, the cluster).
func tableCommand(name, usage string, stdio IO, list func(context.Context, *flagValues) (table, error)) *cli.Command {
	return outputCommand(name, usage, func(ctx context.Context, flags *flagValues, format string) error {
		t, err := list(ctx, flags)
		if err != nil {
			return fmt.Errorf("list %s: %w", name, err)
		}
		return writeListing(stdio.Stdout, format, t)
	})
}

// sessionTableCommand is a `list` subcommand of the loaded config: the
// table or json goes to the session's output, which masks its secrets.
func sessionTableCommand(name, usage string, stdio IO, list func(context.Context, *session) (table, error)) *cli.Command {
	return outputCommand(name, usage, func(ctx context.Context, flags *flagValues, format string) error {
		s, err := openSession(ctx, flags, stdio)
		if err != nil {
			return err
		}
		defer s.Close()
		t, err := list(ctx, s)
		if err != nil {
			return err
		}
		return writeListing(s.stdio.Stdout, format, t)
	})
}

// outputCommand is a `list` subcommand with the global flags and -o,
// whose value (checked) run gets.
func outputCommand(name, usage string, run func(ctx context.Context, flags *flagValues, format string) error) *cli.Command {
	specs := append(append([]flagSpec{}, globalFlags...), listOutputFlag)
	return &cli.Command{
		Name:  name,
		Usage: usage,
		Flags: urfaveFlags(specs),
		Action: func(c *cli.Context) error {
			flags := newFlagValues()
			flags.fromCommand(c, specs)
			out := flags.str("output")
			if out != "" && out != "json" {
				return &exitError{code: 2, msg: fmt.Sprintf("devspace list %s: --output %q: the only format is json (-o json)", name, out)}
			}
			return run(c.Context, flags, out)
		},
	}
}

// writeListing prints t as a table, or its json with format json.
func writeListing(w io.Writer, format string, t table) error {
	if format == "json" {
		return writeJSON(w, t.json)
	}
	return writeTable(w, t)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeTable(w io.Writer, t table) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, row := range t.rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// profileEntry is one profile of `list profiles -o json`.
type profileEntry struct {
	Name        string `json:"name"`
	Active      bool   `json:"active"`
	Description string `json:"description"`
}

func listProfiles(stdio IO) func(context.Context, *flagValues) (table, error) {
	return func(ctx context.Context, flags *flagValues) (table, error) {
		s, err := openSession(ctx, flags, stdio)
		if err != nil {
			return table{}, err
		}
		defer s.Close()
		active := map[string]bool{}
		for _, p := range s.cfg.ActiveProfiles {
			active[p] = true
		}
		t := table{header: []string{"NAME", "ACTIVE", "DESCRIPTION"}}
		entries := []profileEntry{}
		for _, p := range s.cfg.Profiles {
			entries = append(entries, profileEntry{Name: p.Name, Active: active[p.Name], Description: p.Description})
			t.rows = append(t.rows, []string{p.Name, fmt.Sprint(active[p.Name]), p.Description})
		}
		t.json = entries
		return t, nil
	}
}

func listContexts(_ context.Context, flags *flagValues) (table, error) {
	contexts, err := kube.Contexts(kubeGetenv(flags))
	if err != nil {
		return table{}, err
	}
	t := table{header: []string{"NAME", "CURRENT", "CLUSTER", "NAMESPACE"}, json: contexts}
	if contexts == nil {
		t.json = []kube.KubeContext{}
	}
	for _, c := range contexts {
		current := ""
		if c.Current {
			current = "*"
		}
		t.rows = append(t.rows, []string{c.Name, current, c.Cluster, c.Namespace})
	}
	return t, nil
}

// namespaceEntry is one namespace of `list namespaces -o json`.
type namespaceEntry struct {
	Name    string `json:"name"`
	Current bool   `json:"current"`
}

func listNamespaces(ctx context.Context, flags *flagValues) (table, error) {
	cl, err := kube.Open(kube.Options{Getenv: kubeGetenv(flags), Context: flags.str("kube-context"), Namespace: flags.str("namespace")})
	if err != nil {
		return table{}, err
	}
	names, err := cl.Namespaces(ctx)
	if err != nil {
		return table{}, err
	}
	t := table{header: []string{"NAME", "CURRENT"}}
	entries := []namespaceEntry{}
	for _, n := range names {
		current := ""
		if n == cl.Namespace {
			current = "*"
		}
		entries = append(entries, namespaceEntry{Name: n, Current: n == cl.Namespace})
		t.rows = append(t.rows, []string{n, current})
	}
	t.json = entries
	return t, nil
}
