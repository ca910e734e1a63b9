package config

import (
	"reflect"
	"testing"
)

func TestExpressions(t *testing.T) {
	cfg, err := loadWithFiles(t, `version: v2beta1
name: app
vars:
  SUFFIX: sfx
images:
  app:
    image: reg/app
    tags: ["$(echo v1-$SUFFIX)", "$(cat tag.txt)", '$(printf "%s" "$1")']
deployments:
  web:
    helm:
      values:
        flag: $(echo true)
        forced: $!(echo true)
        count: $(echo 3)
        spaced: "$#!(printf '  x  ')"
        nothing: $(echo null)
        map: '$(printf "a: 1\nb: x")'
        list: $(echo '[1, two]')
        again: $(echo '${SUFFIX}')
        failed: $(exit 1)
        silent: $(true)
        escaped: $$(echo no)
        inner: pre $(echo no)
        block: |-
          $(
            echo multi
          )
pipelines:
  p: echo "$(echo script)"
`, map[string]string{"tag.txt": "from-file\n"}, LoadOptions{Args: []string{"arg1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Images["app"].Tags, []string{"v1-sfx", "from-file", "arg1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tags = %q, want %q", got, want)
	}
	want := map[string]any{
		"flag": true, "forced": "true", "count": uint64(3), "spaced": "  x  ", "nothing": nil,
		"map": map[string]any{"a": uint64(1), "b": "x"}, "list": []any{uint64(1), "two"}, "again": "sfx",
		"failed": false, "silent": true, "escaped": "$(echo no)", "inner": "pre $(echo no)", "block": "multi",
	}
	got := rawAt(t, cfg, "deployments.web.helm.values").(map[string]any)
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("values.%s = %#v, want %#v", k, got[k], w)
		}
	}
	if got := cfg.Pipelines["p"].Run; got != `echo "$(echo script)"` {
		t.Errorf("pipeline text changed: %q", got)
	}
}

func TestExpressionFails(t *testing.T) {
	_, err := load(t, `version: v2beta1
name: app
images:
  app:
    image: reg/app
    tags:
    - latest
    - $(echo oops >&2; exit 3)
`, LoadOptions{})
	e := checkError(t, err, wantPos{8, 7, "images.app.tags[1]: expression $(echo oops >&2; exit 3) failed: exit status 3"})
	if e.Hint != "oops" {
		t.Errorf("hint = %q, want the command's stderr", e.Hint)
	}
}

// A variable's value or default may be an expression too.
func TestExpressionInVars(t *testing.T) {
	cfg, err := load(t, `version: v2beta1
name: app
vars:
  BASE: base
  FROM_VALUE:
    value: $(echo "$BASE-v")
  FROM_DEFAULT:
    default: $!(echo 007)
  ESCAPED: $$(not run)
  FAILS:
    alwaysResolve: false
    value: $(exit 4)
images:
  app:
    image: reg/app
    tags: ["${FROM_VALUE}", "${FROM_DEFAULT}"]
`, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Images["app"].Tags, []string{"base-v", "007"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tags = %q, want %q", got, want)
	}
	if got := cfg.Variables["ESCAPED"]; got != "$(not run)" {
		t.Errorf("ESCAPED = %q", got)
	}
	_, err = load(t, "version: v2beta1\nname: app\nvars:\n  FAILS:\n    value: $(exit 4)\n", LoadOptions{})
	checkError(t, err, wantPos{5, 12, "vars.FAILS.value: expression $(exit 4) failed: exit status 4"})
}
