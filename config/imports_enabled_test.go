package config

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// importsEnabledConfig imports extra.yaml (pipeline `extra`) when its
// `enabled:` says so.
const importsEnabledConfig = `version: v2beta1
name: app
imports:
  - path: extra.yaml
    enabled: %s
pipelines:
  own: echo own
`

// loadWithExtra loads a devspace.yaml whose import's `enabled:` is
// enabled, with environ and --var flags; it reports whether extra.yaml
// was merged.
func loadWithExtra(t *testing.T, enabled string, environ, vars []string) (bool, error) {
	t.Helper()
	dir := writeConfig(t, fmt.Sprintf(importsEnabledConfig, enabled))
	if err := os.WriteFile(filepath.Join(dir, "extra.yaml"), []byte("version: v2beta1\npipelines:\n  extra: echo extra\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(LoadOptions{Dir: dir, Vars: vars,
		Environ: append([]string{"PATH=" + os.Getenv("PATH"), "KUBECONFIG=" + filepath.Join(dir, "none")}, environ...)})
	if err != nil {
		return false, err
	}
	return cfg.Pipelines["extra"] != nil, nil
}

func TestImportEnabledResolves(t *testing.T) {
	for _, tc := range []struct {
		name, enabled string
		environ, vars []string
		want          bool
	}{
		{"literal true", "true", nil, nil, true},
		{"literal false", "false", nil, nil, false},
		{"env var true", "${WITH_EXTRA}", []string{"WITH_EXTRA=true"}, nil, true},
		{"env var false", "${WITH_EXTRA}", []string{"WITH_EXTRA=false"}, nil, false},
		{"--var wins over env", "${WITH_EXTRA}", []string{"WITH_EXTRA=true"}, []string{"WITH_EXTRA=false"}, false},
		{"quoted var", `"${WITH_EXTRA}"`, nil, []string{"WITH_EXTRA=true"}, true},
		{"expression true", `$(test "$STAGE" = dev && echo true || echo false)`, []string{"STAGE=dev"}, nil, true},
		{"expression false", `$(test "$STAGE" = dev && echo true || echo false)`, []string{"STAGE=prod"}, nil, false},
		{"silent failing test is false", `$([ "$STAGE" = dev ])`, []string{"STAGE=prod"}, nil, false},
		{"expression sees a var", `$(echo ${WITH_EXTRA})`, nil, []string{"WITH_EXTRA=true"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loadWithExtra(t, tc.enabled, tc.environ, tc.vars)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("extra.yaml merged = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestImportEnabledErrors(t *testing.T) {
	for _, tc := range []struct {
		name, enabled string
		vars          []string
		want          wantPos
	}{
		{"not a boolean", "${WITH_EXTRA}", []string{"WITH_EXTRA=maybe"},
			wantPos{5, 14, `imports[0].enabled: "maybe" is neither true nor false`}},
		{"undefined variable", "${NOPE_NOT_SET}", nil,
			wantPos{5, 14, `imports[0].enabled: variable "NOPE_NOT_SET" is not defined`}},
		{"failing expression", "$(exit 3)", nil,
			wantPos{5, 14, "imports[0].enabled: expression $(exit 3) failed: exit status 3"}},
		{"plain text", "yes", nil,
			wantPos{5, 14, `imports[0].enabled: "yes" is neither true nor false`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadWithExtra(t, tc.enabled, nil, tc.vars)
			checkError(t, err, tc.want)
		})
	}
}
