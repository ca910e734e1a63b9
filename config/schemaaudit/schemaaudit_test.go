package schemaaudit

import (
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/config"
)

const module = "github.com/devspace-engine/devspace/"

// generic are the fields the loader consumes from the YAML tree, never
// through the decoded struct, with why.
var generic = map[string]string{
	"version": "checked on the YAML tree before decoding (loader.checkVersion)",
	"imports": "resolved and merged on the YAML tree before decoding (loader.resolveImports)",
	// list profiles reads a profile's name and description; the rest of it
	// is applied on the YAML tree before decoding (loader.applyProfiles).
	"profiles[*].activation": "applied on the YAML tree before decoding (loader.applyProfiles)",
	"profiles[*].merge":      "applied on the YAML tree before decoding (loader.applyProfiles)",
	"profiles[*].parent":     "applied on the YAML tree before decoding (loader.applyProfiles)",
	"profiles[*].parents":    "applied on the YAML tree before decoding (loader.applyProfiles)",
	"profiles[*].patches":    "applied on the YAML tree before decoding (loader.applyProfiles)",
	"profiles[*].replace":    "applied on the YAML tree before decoding (loader.applyProfiles)",
}

// TestSchemaAudit: every devspace.yaml field of config.Config is read by
// the code, refused at load time (config.Unsupported) or in generic.
// A new field fails here until it is implemented or refused.
func TestSchemaAudit(t *testing.T) {
	var refused []string
	for _, f := range config.Unsupported {
		refused = append(refused, f.Path)
	}
	problems, err := Run(Options{Dir: "../..", Packages: []string{"./..."}, Root: module + "config.Config", Refused: refused, Generic: generic})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// TestAuditFixture: on a small package, the audit names exactly the field
// nobody reads, the refused field that is read, and the entries that
// match nothing; reads through embedded structs and promoted methods
// count, writes do not.
func TestAuditFixture(t *testing.T) {
	problems, err := Run(Options{
		Dir: ".", Packages: []string{"./testdata/fixture"},
		Root:    module + "config/schemaaudit/testdata/fixture.Config",
		Refused: []string{"refused", "stale", "nosuch"},
		Generic: map[string]string{"tree": "read on the YAML tree", "gone": "no such field"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"gone: listed as consumed generically, but there is no such unread field",
		"items[*].unused (fixture.Item.Unused): neither read",
		"nosuch: refused, but there is no such field",
		"onlyWritten (fixture.Config.OnlyWritten): neither read",
		"others[*].git (fixture.Other.Source.Git): neither read",
		"others[*].path (fixture.Other.Source.Path): neither read",
		"stale (fixture.Config.Stale): refused at load time but read at ",
	}
	if len(problems) != len(want) {
		t.Fatalf("problems:\n%s", strings.Join(problems, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(problems[i], w) {
			t.Errorf("problem %d = %q, want it to start with %q", i, problems[i], w)
		}
	}
}
