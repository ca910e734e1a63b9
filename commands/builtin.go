package commands

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/engine"
)

// builtinCommand runs one builtin outside any pipeline, for CI scripts:
//
//	devspace builtin build_images --all -t "$SHA"
//	devspace builtin get_image app
//
// Flags, output and exit codes are those of the builtin in a pipeline.
func builtinCommand(stdio IO) *cli.Command {
	return &cli.Command{
		Name:            "builtin",
		Usage:           "Run one pipeline builtin directly (for CI scripts)",
		ArgsUsage:       "NAME [flags] [args...]",
		SkipFlagParsing: true,
		HideHelpCommand: true, // "help" here is a user's name or argument, not a subcommand
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
				return listBuiltins(stdio)
			}
			flags := newFlagValues()
			specs := append(append([]flagSpec{}, globalFlags...), runFlags...)
			flags.fromURFave(c, specs)
			args, err := flags.leadingFlags(args, specs)
			if err != nil {
				return &exitError{code: 2, msg: fmt.Sprintf("builtin: %v", err)}
			}
			if len(args) == 0 {
				return listBuiltins(stdio)
			}
			s, err := openSession(c.Context, flags, stdio)
			if err != nil {
				return err
			}
			defer s.Close()
			b, ok := s.eng.Builtin(args[0])
			if !ok {
				return &exitError{code: 127, msg: fmt.Sprintf("builtin %q not found; builtins: %s", args[0], strings.Join(builtinNames(), ", "))}
			}
			wd, err := os.Getwd()
			if err != nil {
				return err
			}
			err = s.eng.Invoke(c.Context, b, s.eng.NewCall(b.Name, wd), args)
			if err := scriptResult(c.Context, b.Name, err); err != nil {
				if ee, ok := err.(*exitError); ok {
					ee.msg = "" // the builtin already said why
				}
				return err
			}
			return nil
		},
	}
}

// sortedBuiltins lists every builtin, sorted by name.
func sortedBuiltins() []*engine.Builtin {
	list := allBuiltins()
	slices.SortFunc(list, func(a, b *engine.Builtin) int { return strings.Compare(a.Name, b.Name) })
	return list
}

func builtinNames() []string {
	var names []string
	for _, b := range sortedBuiltins() {
		names = append(names, b.Name)
	}
	return names
}

func listBuiltins(stdio IO) error {
	fmt.Fprintln(stdio.Stdout, "Usage: devspace builtin NAME [flags] [args...]\n\nBuiltins:")
	for _, b := range sortedBuiltins() {
		fmt.Fprintf(stdio.Stdout, "  %-26s %s\n", b.Name, b.Summary)
	}
	return nil
}
