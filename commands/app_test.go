package commands

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// The tests of this file run one at a time: the app's flags are shared
// values that every parse writes to (one parse per process in real use).

func TestEnvFlags(t *testing.T) {
	flags := newApp(IO{}).Flags
	tests := []struct {
		name, env string
		want      []string // the args, when the flags are valid
		err       string   // the error's first line otherwise
	}{
		{"inserted after the program", `--var 'A=x y' -n ns`, []string{"devspace", "--var", "A=x y", "-n", "ns", "deploy"}, ""},
		{"blank", "  ", []string{"devspace", "deploy"}, ""},
		{"unknown long flag", "--debug --nope", nil, "DEVSPACE_FLAGS: unknown flag --nope"},
		{"unknown flag with a value", "--nope=1", nil, "DEVSPACE_FLAGS: unknown flag --nope"},
		{"unknown short flag", "-x", nil, "DEVSPACE_FLAGS: unknown flag -x"},
		{"missing value", "--namespace", nil, "DEVSPACE_FLAGS: flag needs an argument: -namespace"},
		{"bad value", "--max-concurrent-builds=many", nil, `DEVSPACE_FLAGS: invalid value "many" for flag -max-concurrent-builds: parse error`},
		{"unterminated quote", `-p 'prod`, nil, "DEVSPACE_FLAGS: 1:4: reached EOF without closing quote `'`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withEnvFlags([]string{"devspace", "deploy"}, tt.env, flags)
			if tt.err == "" {
				if err != nil || !slices.Equal(got, tt.want) {
					t.Errorf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %q, want error %q", got, tt.err)
			}
			first, rest, _ := strings.Cut(err.Error(), "\n")
			if first != tt.err || !strings.Contains(rest, "unset the DEVSPACE_FLAGS environment variable") {
				t.Errorf("error:\n%v\nwant first line %q and what to do", err, tt.err)
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	tests := []struct{ word, want string }{
		{"deplyo", `unknown command "deplyo": did you mean deploy?`},
		{"biuld", `unknown command "biuld": did you mean build?`},
		{"run-pipelien", `unknown command "run-pipelien": did you mean run-pipeline?`},
		{"xyzzy", `unknown command "xyzzy": run 'devspace --help' for the list of commands`},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := Main(context.Background(), []string{"devspace", tt.word}, IO{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
			if code != 2 || stderr.String() != tt.want+"\n" || stdout.Len() != 0 {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit 2 and %q", code, stderr.String(), stdout.String(), tt.want)
			}
		})
	}
}
