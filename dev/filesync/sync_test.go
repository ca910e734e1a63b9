package filesync

import (
	"testing"
)

func TestExcludedFollowsGitignoreRules(t *testing.T) {
	patterns := []string{"*.tmp", "/build", "node_modules/", "docs/**/*.md", "!keep.tmp"}
	for _, tc := range []struct {
		rel  string
		dir  bool
		want bool
	}{
		{"a.tmp", false, true},
		{"deep/in/b.tmp", false, true},
		{"keep.tmp", false, false},
		{"build", true, true},
		{"src/build", true, false},
		{"node_modules", true, true},
		{"node_modules", false, false},
		{"docs/x/y/readme.md", false, true},
		{"readme.md", false, false},
		{"main.go", false, false},
	} {
		if got := excluded(patterns, tc.rel, tc.dir); got != tc.want {
			t.Errorf("excluded(%q, dir=%v) = %v, want %v", tc.rel, tc.dir, got, tc.want)
		}
	}
}
