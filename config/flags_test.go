package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPipelineFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		flag     string // the flag's fields after `- name: f`
		wantType string
		want     []string // FlagDefault
	}{
		{"no default is a bool", "", FlagBool, []string{"false"}},
		{"bool default", "default: true", FlagBool, []string{"true"}},
		{"string default", "default: nobody", FlagString, []string{"nobody"}},
		{"list default", "default: [a, b]", FlagStringArray, []string{"a", "b"}},
		{"int default", "default: 3", FlagInt, []string{"3"}},
		{"explicit type wins", "type: string\ndefault: 3", FlagString, []string{"3"}},
		{"int from a numeric string", "type: int\ndefault: '7'", FlagInt, []string{"7"}},
		{"string array from a string", "type: stringArray\ndefault: a b", FlagStringArray, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "version: v2beta1\npipelines:\n  dev:\n    run: echo\n    flags:\n    - name: f\n" + indent(tt.flag, "      ") + "\n"
			cfg := mustLoad(t, src, LoadOptions{})
			f := cfg.Pipelines["dev"].Flags[0]
			if f.Type != tt.wantType {
				t.Errorf("type %q, want %q", f.Type, tt.wantType)
			}
			got, err := FlagDefault(f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FlagDefault (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPipelineFlagErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		flags string // from line 6 on
		want  wantPos
	}{
		{"int default not a number", "- name: n\n  type: int\n  default: abc", wantPos{8, 16, `flag "n": default abc is not an integer`}},
		{"bool default not a boolean", "- name: b\n  type: bool\n  default: maybe", wantPos{8, 16, `flag "b": default maybe is not a boolean`}},
		{"unknown type", "- name: x\n  type: float", wantPos{7, 13, `flag "x": unknown type "float"`}},
		{"missing name", "- type: bool", wantPos{6, 7, "pipeline flag without a name"}},
		{"declared twice", "- name: a\n- name: a", wantPos{7, 13, `flag "a" is declared twice`}},
		{"long short flag", "- name: a\n  short: ab", wantPos{7, 14, `short flag "ab" must be a single character`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "version: v2beta1\npipelines:\n  dev:\n    run: echo\n    flags:\n" + indent(tt.flags, "    ") + "\n"
			_, err := load(t, src, LoadOptions{})
			checkError(t, err, tt.want)
		})
	}
}
