package commands

import (
	"fmt"
	"os"
	"sort"
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
			b, ok := s.eng.Builtins[args[0]]
			if !ok {
				return &exitError{code: 127, msg: fmt.Sprintf("builtin %q not found; builtins: %s", args[0], strings.Join(builtinNames(s.eng), ", "))}
			}
			wd, err := os.Getwd()
			if err != nil {
				return err
			}
			call := &engine.Call{Name: b.Name, Dir: wd, Env: s.eng.Env(), Stdin: s.stdio.Stdin, Stdout: s.stdio.Stdout, Stderr: s.stdio.Stderr, Engine: s.eng}
			err = s.eng.Invoke(c.Context, b, call, args)
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

func builtinNames(e *engine.Engine) []string {
	names := make([]string, 0, len(e.Builtins))
	for n := range e.Builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func listBuiltins(stdio IO) error {
	e := engine.New(nil, nil, allBuiltins())
	fmt.Fprintln(stdio.Stdout, "Usage: devspace builtin NAME [flags] [args...]\n\nBuiltins:")
	for _, n := range builtinNames(e) {
		fmt.Fprintf(stdio.Stdout, "  %-26s %s\n", n, e.Builtins[n].Summary)
	}
	return nil
}
