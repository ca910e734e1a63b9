package builtins

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"mvdan.cc/sh/v3/interp"

	"github.com/devspace-engine/devspace/engine"
)

var xargs = &engine.Builtin{
	Name:  "xargs",
	Usage: "xargs [-d DELIM] UTILITY [ARGS...]",
	Summary: "Run UTILITY with ARGS plus the words read from stdin. A builtin or config function gets every " +
		"line split on DELIM (default a space); any other utility is handed to the system xargs.",
	New: func() engine.Command { return &xargsCmd{} },
}

type xargsCmd struct {
	delimiter string
}

func (x *xargsCmd) Flags(fs *pflag.FlagSet, _ *engine.Call) {
	fs.StringVarP(&x.delimiter, "delimiter", "d", " ", "split each line of stdin on this string (builtins and functions)")
	fs.SetInterspersed(false) // flags after UTILITY are UTILITY's
}

func (x *xargsCmd) Run(ctx context.Context, c *engine.Call, args []string) error {
	if len(args) == 0 {
		return engine.Usagef("xargs [-d DELIM] UTILITY [ARGS...]")
	}
	if x.delimiter == "" {
		return fmt.Errorf("--delimiter must not be empty")
	}
	if _, ok := c.Builtin(args[0]); !ok && !c.IsFunction(args[0]) {
		return x.system(ctx, c, args)
	}
	in, err := io.ReadAll(ctxReader{ctx, orEmpty(c.Stdin)})
	if err != nil {
		return fmt.Errorf("reading stdin: %w", err)
	}
	args = append(args, splitItems(string(in), x.delimiter)...)
	// Stdin is used up: like the system xargs, give the utility /dev/null.
	// It must be an *os.File: a shell copies any other reader in a
	// goroutine, and run_pipelines gives its stdin to several shells.
	null, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer null.Close()
	return runCommand(ctx, c, null, args)
}

// system hands a utility that is neither a builtin nor a function to the
// system xargs, as DevSpace does (its quoting rules, its batching).
func (x *xargsCmd) system(ctx context.Context, c *engine.Call, args []string) error {
	path, err := interp.LookPathDir(c.Dir, c.Env, "xargs")
	if err != nil {
		return fmt.Errorf("%s is neither a builtin nor a function, and there is no system xargs to run it: %w", args[0], err)
	}
	argv := []string{path}
	if x.delimiter != " " {
		argv = append(argv, "-d", x.delimiter)
	}
	return runCommand(ctx, c, c.Stdin, append(append(argv, "--"), args...))
}

// splitItems splits text into lines, each line on delim, and keeps the
// non-blank items, trimmed.
func splitItems(text, delim string) []string {
	var items []string
	for _, line := range strings.Split(text, "\n") {
		for _, item := range strings.Split(line, delim) {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
	}
	return items
}

func orEmpty(r io.Reader) io.Reader {
	if r == nil {
		return strings.NewReader("")
	}
	return r
}
