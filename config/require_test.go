package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTool puts an executable NAME on PATH that prints out and exits with
// code, standing in for a tool a project requires.
func fakeTool(t *testing.T, name, out string, code int) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\nprintf '%s\\n' '" + out + "'\nexit " + string(rune('0'+code)) + "\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestRequireMet(t *testing.T) {
	fakeTool(t, "kubectl", "Client Version: v1.31.2", 0)
	fakeTool(t, "mytool", "mytool 4.6.7 (build 12)", 0)
	fakeDashVersion(t, "node", "v20.11.1")
	mustLoad(t, `version: v2beta1
name: app
require:
  devspace: ">= 1.2, < 2"
  commands:
  - name: kubectl
    version: ">= 1.28"
  - name: mytool
    versionArgs: ["--version"]
    versionRegEx: "mytool (\\d+\\.\\d+\\.\\d+)"
    version: "4.6.7"
  - name: node
    version: ">= 18"
`, LoadOptions{Version: "v1.3.0-dev"})
}

// fakeDashVersion puts NAME on PATH that prints version for --version and
// fails for anything else (as node does for `node version`).
func fakeDashVersion(t *testing.T, name, version string) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\n[ \"$1\" = --version ] || { echo \"unknown: $1\" >&2; exit 9; }\necho " + version + "\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestRequireMisses(t *testing.T) {
	fakeTool(t, "kubectl", "Client Version: v1.20.0", 0)
	fakeTool(t, "broken", "cannot start", 3)
	fakeTool(t, "quiet", "no version here", 0)
	cases := []struct {
		name, yaml string
		want       wantPos
		hint       string
	}{
		{"devspace too old", "require:\n  devspace: \">= 6.0\"\n",
			wantPos{4, 13, `requires devspace >= 6.0, but this devspace is v1.3.0`}, "install a devspace"},
		{"bad devspace constraint", "require:\n  devspace: \"newest\"\n",
			wantPos{4, 13, `invalid version constraint "newest"`}, "semver range"},
		{"command too old", "require:\n  commands:\n  - name: kubectl\n    version: \">= 1.28\"\n",
			wantPos{6, 14, "requires kubectl >= 1.28, but the installed kubectl is v1.20.0"}, "install kubectl"},
		{"command missing", "require:\n  commands:\n  - name: no-such-tool-xyz\n    version: \"1.0\"\n",
			wantPos{5, 11, "requires no-such-tool-xyz 1.0, but `no-such-tool-xyz version` failed"}, "make sure it is on PATH"},
		{"command fails", "require:\n  commands:\n  - name: broken\n    version: \"1.0\"\n",
			wantPos{5, 11, "`broken version` failed: exit status 3 (cannot start)"}, ""},
		{"no version printed", "require:\n  commands:\n  - name: quiet\n    version: \"1.0\"\n",
			wantPos{5, 5, `printed no version matching (v\d+\.\d+\.\d+): "no version here"`}, "versionRegEx"},
		{"regex without group", "require:\n  commands:\n  - name: quiet\n    versionRegEx: \"v.*\"\n    version: \"1.0\"\n",
			wantPos{6, 19, "must be a regular expression with one group"}, ""},
		{"no version", "require:\n  commands:\n  - name: kubectl\n",
			wantPos{5, 5, `required command "kubectl" has no` + " `version:`"}, ""},
		{"plugins", "require:\n  plugins:\n  - name: loft\n    version: \">= 1.0\"\n",
			wantPos{4, 3, "require.plugins is not supported: this devspace has no plugins"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, "version: v2beta1\nname: app\n"+tc.yaml, LoadOptions{Version: "v1.3.0"})
			e := checkError(t, err, tc.want)
			if !strings.Contains(e.Hint, tc.hint) {
				t.Errorf("hint %q does not contain %q", e.Hint, tc.hint)
			}
		})
	}
}

// TestRequireReportsEveryMiss: two misses are both named, each at its place.
func TestRequireReportsEveryMiss(t *testing.T) {
	_, err := load(t, `version: v2beta1
name: app
require:
  devspace: ">= 9"
  commands:
  - name: no-such-tool-xyz
    version: "1.0"
`, LoadOptions{Version: "v1.0.0"})
	if err == nil {
		t.Fatal("load succeeded")
	}
	for _, want := range []string{"devspace.yaml:4:13: this project requires devspace >= 9", "devspace.yaml:6:11: this project requires no-such-tool-xyz 1.0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q:\n%v", want, err)
		}
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%T holds no *config.Error", err)
	}
}
