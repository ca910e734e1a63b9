package builtins_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestXargs(t *testing.T) {
	t.Parallel()
	pipelines := map[string]string{
		"a": "echo a", "b": "echo b", "c": "echo c",
		"flagged": `echo "flag=$(get_flag name)"`,
	}
	const functions = "functions:\n  greet: echo \"hi $# $*\"\n  run_pipelines: echo shadowed \"$@\"\n"
	tests := []struct {
		name, line       string
		wantOut, wantErr string
		want             int
	}{
		{"lines and spaces", `printf 'a b\nc\n' | xargs __run_pipelines --sequential`, "a\nb\nc\n", "", 0},
		{"trims and drops empty items", `printf '  a   b \n\n c \r\n' | xargs __run_pipelines --sequential`, "a\nb\nc\n", "", 0},
		{"delimiter", `echo "a,b, c" | xargs -d , __run_pipelines --sequential`, "a\nb\nc\n", "", 0},
		{"long delimiter", `echo "a--b" | xargs --delimiter=-- __run_pipelines --sequential`, "a\nb\n", "", 0},
		{"flags after the utility are its own", `echo flagged | xargs __run_pipelines --set-flag name=x`, "flag=x\n", "", 0},
		{"function", `printf 'x y\nz' | xargs greet`, "hi 3 x y z\n", "", 0},
		{"function shadows builtin", `echo a | xargs run_pipelines`, "shadowed a\n", "", 0},
		{"builtin error", `echo nope | xargs __run_pipelines`, "",
			"devspace.yaml:18:19: run_pipelines: pipeline \"nope\" not found; available pipelines: a, b, build, c, deploy, dev, flagged, p, purge\n", 1},
		{"no utility", `echo a | xargs`, "", "devspace.yaml:18:16: xargs: usage: xargs [-d DELIM] UTILITY [ARGS...]\n", 1},
		{"unknown flag", `echo a | xargs -n 1 greet`, "", "devspace.yaml:18:16: xargs: unknown flag: -n (see 'xargs --help')\n", 1},
		{"empty stdin", `printf '' | xargs greet`, "hi 0 \n", "", 0},
	}
	if _, err := exec.LookPath("xargs"); err == nil {
		tests = append(tests, struct {
			name, line       string
			wantOut, wantErr string
			want             int
		}{"system xargs for programs", `printf 'x "y z"\n' | xargs printf '[%s]'`, "[x][y z]", "", 0})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newProject(t, withPipeline(pipelines, "p", tt.line), functions, nil)
			status := exitStatus(t, p.run(t.Context(), "p"))
			if got, gotErr := p.stdout.String(), p.errText(); got != tt.wantOut || gotErr != tt.wantErr || status != tt.want {
				t.Errorf("got stdout %q stderr %q status %d\nwant stdout %q stderr %q status %d",
					got, gotErr, status, tt.wantOut, tt.wantErr, tt.want)
			}
		})
	}
}

// TestXargsRunPipelines is X14 of the behaviour doc: the items become the
// pipelines that run_pipelines runs (concurrently).
func TestXargsRunPipelines(t *testing.T) {
	t.Parallel()
	p := newProject(t, map[string]string{
		"p": `printf 'a b\nc' | xargs run_pipelines`,
		"a": "echo a > a.out", "b": "echo b > b.out", "c": "echo c > c.out",
	}, "", nil)
	if err := p.run(t.Context(), "p"); err != nil {
		t.Fatalf("run: %v\nstderr: %s", err, p.stderr.String())
	}
	outs, _ := filepath.Glob(filepath.Join(p.dir, "*.out"))
	var got []string
	for _, o := range outs {
		b, err := os.ReadFile(o)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.TrimSpace(string(b)))
	}
	sort.Strings(got)
	if strings.Join(got, " ") != "a b c" {
		t.Errorf("pipelines that ran: %v, want a b c", got)
	}
}

func withPipeline(m map[string]string, name, script string) map[string]string {
	out := map[string]string{name: script}
	for k, v := range m {
		out[k] = v
	}
	return out
}
