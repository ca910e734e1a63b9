package builtins_test

import (
	"runtime"
	"testing"
)

func TestPredicates(t *testing.T) {
	t.Parallel()
	other := "windows"
	if runtime.GOOS == "windows" {
		other = "linux"
	}
	tests := []struct {
		line string
		want int
	}{
		// X13 of the behaviour doc.
		{`is_equal "" ""`, 0},
		{`is_equal a b`, 1},
		{`is_in b "a b c"`, 0},
		{`is_true TRUE`, 1},
		{`is_empty "  "`, 0},

		{`is_equal`, 0},
		{`is_equal a a`, 0},
		{`is_equal -a -a`, 0},
		{`is_equal --all --all`, 0},
		{`is_equal "a " a`, 1},
		{`is_equal " "`, 0}, // one arg: the other was an empty word the shell dropped
		{`x=""; is_equal $x b`, 1},
		{`x=""; is_equal $x ""`, 0},
		{`is_equal a a a`, 1},

		{`is_empty`, 0},
		{`is_empty ""`, 0},
		{`is_empty x`, 1},
		{`is_empty "" ""`, 1},
		{`is_empty -x`, 1},

		{`is_in c "a b c"`, 0},
		{`is_in d "a b c"`, 1},
		{`is_in b "ab c"`, 1},
		{`is_in "" "a  b"`, 0}, // split on single spaces: "a", "", "b"
		{`is_in a`, 1},
		{`is_in a "a" extra`, 1},
		{`is_in -v "-v -x"`, 0},

		{`is_true true`, 0},
		{`is_true "true "`, 1},
		{`is_true 1`, 1},
		{`is_true`, 1},
		{`is_true true true`, 1},

		{`is_os ` + runtime.GOOS, 0},
		{`is_os ` + other, 1},
		{`is_os`, 1},
		{`is_os ` + runtime.GOOS + ` ` + runtime.GOOS, 1},

		// In conditions, as pipelines use them.
		{`if is_equal a b; then exit 7; fi`, 0},
		{`is_true false || exit 3`, 3},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, status := runOne(t, tt.line, "", nil)
			if status != tt.want {
				t.Errorf("status %d, want %d", status, tt.want)
			}
			if stdout != "" || stderr != "" {
				t.Errorf("want no output, got stdout %q stderr %q", stdout, stderr)
			}
		})
	}
}

func TestPredicateHelp(t *testing.T) {
	t.Parallel()
	stdout, _, status := runOne(t, "is_equal --help", "", nil)
	if status != 0 || stdout == "" {
		t.Errorf("is_equal --help: status %d, output %q", status, stdout)
	}
}
