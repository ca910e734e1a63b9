package engine

import (
	"context"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"

	"github.com/devspace-engine/devspace/runvars"

	"github.com/google/go-cmp/cmp"
)

func TestRewriteKeepsLengthAndMapsNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		refs           []string
	}{
		{"plain", "echo ${runtime.images.app.tag}", "echo ${runtime_images_app_tag}", []string{"runtime.images.app.tag"}},
		{"dash and digit", "echo ${runtime.images.app-2.tag}", "echo ${runtime_images_app_2_tag}", []string{"runtime.images.app-2.tag"}},
		{"angle spelling", "echo $<runtime.images.app.tag>", "echo ${runtime_images_app_tag}", []string{"runtime.images.app.tag"}},
		{"default operator", "echo ${devspace.namespace:-x}", "echo ${devspace_namespace:-x}", []string{"devspace.namespace"}},
		{"in double quotes", `echo "[${a.b}]"`, `echo "[${a_b}]"`, []string{"a.b"}},
		{"single quotes too (parse restores them)", `echo '${a.b}'`, `echo '${a_b}'`, []string{"a.b"}},
		{"no dot untouched", "echo ${HOME} $<FOO>", "echo ${HOME} $<FOO>", nil},
		{"redirection untouched", "cat <in.txt", "cat <in.txt", nil},
		{"trailing dot untouched", "echo ${a.}", "echo ${a.}", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var table nameTable
			got, refs, err := table.rewrite(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("rewrite(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(got) != len(tt.in) {
				t.Errorf("length changed: %d → %d", len(tt.in), len(got))
			}
			var names []string
			for _, r := range refs {
				names = append(names, r.name)
				if orig, ok := table.original(mangle(r.name)); !ok || orig != r.name {
					t.Errorf("table maps %q to %q, %v", mangle(r.name), orig, ok)
				}
			}
			if diff := cmp.Diff(tt.refs, names); diff != "" {
				t.Errorf("refs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRewriteRejectsAmbiguousNames(t *testing.T) {
	t.Parallel()
	var table nameTable
	if _, _, err := table.rewrite("echo ${a.b-c} ${a.b.c}"); err == nil {
		t.Fatal("want an error for two names that mangle alike")
	}
}

func TestParseRestoresUnexpandedReferences(t *testing.T) {
	t.Parallel()
	e := New(Options{Runtime: runvars.New(map[string]runvars.Image{"app": {Image: "r/app", Tag: "v1"}})})
	script := "# the images' tags\necho '${runtime.images.nope.tag}' \"${runtime.images.app.tag}\"\n"
	f, err := e.parse(context.Background(), Script{Name: "t", Text: script})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var out strings.Builder
	syntax.NewPrinter().Print(&out, f)
	want := "echo '${runtime.images.nope.tag}' \"${runtime_images_app_tag}\"\n"
	if out.String() != want {
		t.Errorf("parsed script = %q, want %q", out.String(), want)
	}
}
