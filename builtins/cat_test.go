package builtins_test

import (
	"testing"
)

func TestCat(t *testing.T) {
	t.Parallel()
	files := map[string]string{"a.txt": "A\n", "b.txt": "B", "sub/c.txt": "C\n"}
	tests := []struct {
		name, line       string
		wantOut, wantErr string
		want             int
	}{
		{"one file", "cat a.txt", "A\n", "", 0},
		{"files in order", "cat b.txt a.txt", "BA\n", "", 0},
		{"relative to cd", "cd sub && cat c.txt", "C\n", "", 0},
		{"stdin", `printf 'in\n' | cat`, "in\n", "", 0},
		{"dash is stdin", `printf 'in' | cat a.txt - b.txt`, "A\ninB", "", 0},
		{"missing", "cat missing.txt", "", "cat: open missing.txt: no such file or directory\n", 1},
		{"missing goes on", "cat missing.txt a.txt", "A\n", "cat: open missing.txt: no such file or directory\n", 1},
		{"directory", "cat sub", "", "cat: read sub: is a directory\n", 1},
		{"unknown flag", "cat -n a.txt", "", onlyPipeline + "cat: unknown flag: -n (see 'cat --help')\n", 1},
		{"dashdash", "cat -- a.txt", "A\n", "", 0},
		{"in a substitution", `x=$(cat b.txt); echo "[$x]"`, "[B]\n", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, status := runOne(t, tt.line, "", files)
			if stdout != tt.wantOut || stderr != tt.wantErr || status != tt.want {
				t.Errorf("got stdout %q stderr %q status %d\nwant stdout %q stderr %q status %d",
					stdout, stderr, status, tt.wantOut, tt.wantErr, tt.want)
			}
		})
	}
}
