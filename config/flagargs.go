package config

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// flagAt finds the flag of fs that arg spells ("--name", "--name=value",
// "-n"); isFlag is false when arg is no flag at all, and f is nil when
// fs has no such flag.
func flagAt(fs *pflag.FlagSet, arg string) (f *pflag.Flag, hasValue, isFlag bool) {
	if !strings.HasPrefix(arg, "-") || arg == "-" || arg == "--" {
		return nil, false, false
	}
	name, _, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	if strings.HasPrefix(arg, "--") {
		f = fs.Lookup(name)
	} else if len(name) == 1 {
		f = fs.ShorthandLookup(name)
	}
	return f, hasValue, true
}

// parseFlagAt parses f, written at args[0] (with its value in args[1]
// when written apart), and returns how many elements it used.
func parseFlagAt(fs *pflag.FlagSet, f *pflag.Flag, hasValue bool, args []string) (int, error) {
	n := 1
	if !hasValue && f.NoOptDefVal == "" {
		if len(args) < 2 {
			return 0, fmt.Errorf("--%s needs a value", f.Name)
		}
		n = 2
	}
	if err := fs.Parse(args[:n]); err != nil {
		return 0, err
	}
	return n, nil
}
