package config

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

// fieldAt writes a config that sets the field of pattern to value, with
// one level per line, and returns it with the field key's line and column.
func fieldAt(pattern, value string) (src string, line, col int) {
	var b strings.Builder
	b.WriteString("version: v2beta1\n")
	line, indent, item := 1, 0, false
	parts := splitPattern(pattern)
	for i, p := range parts {
		if strings.HasPrefix(p, "[") {
			item = true
			continue
		}
		key := p
		if p == "*" {
			key = "x"
		}
		prefix := strings.Repeat(" ", indent)
		if item {
			prefix += "- "
			item = false
		}
		line++
		col = len(prefix) + 1
		if i == len(parts)-1 {
			fmt.Fprintf(&b, "%s%s: %s\n", prefix, key, value)
			break
		}
		fmt.Fprintf(&b, "%s%s:\n", prefix, key)
		indent = len(prefix) + 2
	}
	return b.String(), line, col
}

// refusedValue is a value that asks for what f does not do.
func refusedValue(f UnsupportedField) string {
	switch f.Accept {
	case "false":
		return "true"
	case "true":
		return "false"
	case `""`:
		return "something"
	case "{enabled: false}":
		return "{enabled: true}"
	case "":
		return "[something]"
	}
	panic("no refused value for Accept " + f.Accept)
}

// TestUnsupportedRefused: every listed field, set, fails the load at its
// key's line:col with "PATH is not supported: REASON".
func TestUnsupportedRefused(t *testing.T) {
	for _, f := range Unsupported {
		t.Run(f.Path, func(t *testing.T) {
			src, line, col := fieldAt(f.Path, refusedValue(f))
			_, err := load(t, src, LoadOptions{})
			if err == nil {
				t.Fatalf("loaded:\n%s", src)
			}
			path := strings.NewReplacer("[*]", "[0]", "*", "x").Replace(f.Path)
			want := fmt.Sprintf("/devspace.yaml:%d:%d: %s is not supported: %s", line, col, path, f.Reason)
			if first, _, _ := strings.Cut(err.Error(), "\n"); !strings.HasSuffix(first, want) {
				t.Errorf("error:\n%v\nwant it to start with:\n%s(config:\n%s)", err, want, src)
			}
		})
	}
}

// TestUnsupportedAccepted: null, and the value that asks for nothing
// unsupported, load.
func TestUnsupportedAccepted(t *testing.T) {
	for _, f := range Unsupported {
		values := []string{"null"}
		if f.Accept != "" {
			values = append(values, f.Accept)
		}
		for _, v := range values {
			src, _, _ := fieldAt(f.Path, v)
			if _, err := load(t, src, LoadOptions{}); err != nil && strings.Contains(err.Error(), "is not supported") {
				t.Errorf("%s: %s: %v", f.Path, v, err)
			}
		}
	}
}

// TestUnsupportedAllAtOnce: several refused fields are reported together,
// in file order, each at its place.
func TestUnsupportedAllAtOnce(t *testing.T) {
	_, err := load(t, `version: v2beta1
localRegistry:
  localbuild: false
images:
  app:
    image: localhost/app
    buildKit:
      command: [docker, buildx]
dev:
  app:
    target: web
    imageSelector: localhost/app
deployments:
  app:
    kubectl:
      manifests: [k.yaml]
      createArgs: [--save-config]
`, LoadOptions{})
	if err == nil {
		t.Fatal("loaded")
	}
	var got []string
	for l := range strings.Lines(err.Error()) {
		if _, at, ok := strings.Cut(l, "/devspace.yaml:"); ok {
			got = append(got, "devspace.yaml:"+strings.SplitN(at, " is not", 2)[0])
		}
	}
	want := []string{
		"devspace.yaml:3:3: localRegistry.localbuild",
		"devspace.yaml:8:7: images.app.buildKit.command",
		"devspace.yaml:11:5: dev.app.target",
		"devspace.yaml:17:7: deployments.app.kubectl.createArgs",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s\n(all: %v)", strings.Join(got, "\n"), strings.Join(want, "\n"), err)
	}
}

// TestUnsupportedThroughProfiles: an active profile that brings a refused
// field in is refused at the profile's line; an inactive one is not.
func TestUnsupportedThroughProfiles(t *testing.T) {
	src := `version: v2beta1
profiles:
  - name: hooked
    merge:
      localRegistry:
        buildKitImage: moby/buildkit
`
	if _, err := load(t, src, LoadOptions{}); err != nil {
		t.Fatalf("inactive profile: %v", err)
	}
	_, err := load(t, src, LoadOptions{Profiles: []string{"hooked"}})
	if err == nil || !strings.Contains(err.Error(), "/devspace.yaml:6:9: localRegistry.buildKitImage is not supported") {
		t.Errorf("active profile: %v", err)
	}
}

// TestUnsupportedBeforeVars: a refused field fails before a variable's
// command runs or a question is asked.
func TestUnsupportedBeforeVars(t *testing.T) {
	_, err := load(t, `version: v2beta1
vars:
  NAME:
    question: who?
localRegistry:
  localbuild: false
`, LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "/devspace.yaml:6:3: localRegistry.localbuild is not supported") {
		t.Errorf("err = %v", err)
	}
}

// TestNameMustBeKey: a written name other than the entry's key is refused
// at its place; the key itself loads.
func TestNameMustBeKey(t *testing.T) {
	for _, section := range []string{"deployments", "dev", "dependencies", "pullSecrets"} {
		_, err := load(t, "version: v2beta1\n"+section+":\n  app:\n    name: other\n", LoadOptions{})
		want := `/devspace.yaml:4:11: name "other" differs from the key "app"`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %s", section, err, want)
		}
		_, err = load(t, "version: v2beta1\n"+section+":\n  app:\n    name: app\n", LoadOptions{})
		if err != nil && strings.Contains(err.Error(), "differs") {
			t.Errorf("%s: name equal to the key: %v", section, err)
		}
	}
}

var updateREADME = flag.Bool("update-readme", false, "rewrite README.md's table of refused fields")

// TestREADMEUnsupported: README.md's table of refused fields is
// config.Unsupported; -update-readme rewrites it.
func TestREADMEUnsupported(t *testing.T) {
	const begin, end = "<!-- unsupported fields: begin (go test ./config -run README -update-readme) -->\n", "<!-- unsupported fields: end -->\n"
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers %q and %q", begin, end)
	}
	want := unsupportedTable()
	if readme[i+len(begin):j] == want {
		return
	}
	if !*updateREADME {
		t.Fatalf("README.md's table of refused fields is out of date: run go test ./config -run README -update-readme\nwant:\n%s", want)
	}
	readme = readme[:i+len(begin)] + want + readme[j:]
	if err := os.WriteFile("../README.md", []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
}

// unsupportedTable renders Unsupported as a Markdown table.
func unsupportedTable() string {
	var b strings.Builder
	b.WriteString("| Field | Refused because |\n|---|---|\n")
	for _, f := range Unsupported {
		field := "`" + f.Path + "`"
		if f.Accept != "" {
			field += " (`" + f.Accept + "` loads)"
		}
		fmt.Fprintf(&b, "| %s | %s |\n", field, strings.ReplaceAll(f.Reason, "|", `\|`))
	}
	return b.String()
}

// TestUnsupportedInImport: a refused field in an imported file is
// reported at its place in that file, with the import that brought it.
func TestUnsupportedInImport(t *testing.T) {
	_, _, err := loadTree(t, map[string]string{
		"devspace.yaml": "version: v2beta1\nimports:\n  - path: lib.yaml\n",
		"lib.yaml":      "version: v2beta1\npipelines:\n  x: echo x\ndev:\n  app:\n    target: web\n",
	})
	if err == nil || !strings.Contains(err.Error(), "lib.yaml:6:5: dev.app.target is not supported") || !strings.Contains(err.Error(), "imported by ") {
		t.Errorf("err = %v", err)
	}
}

// TestImportedRequireRefused: an imported file's require: is merged, as
// DevSpace merges it, so it is refused rather than dropped.
func TestImportedRequireChecked(t *testing.T) {
	_, _, err := loadTree(t, map[string]string{
		"devspace.yaml": "version: v2beta1\nimports:\n  - path: lib.yaml\n",
		"lib.yaml":      "version: v2beta1\nrequire:\n  commands:\n  - name: no-such-tool-xyz\n    version: \"1\"\n",
	})
	if err == nil || !strings.Contains(err.Error(), "lib.yaml:4:11: this project requires no-such-tool-xyz 1") || !strings.Contains(err.Error(), "imported by") {
		t.Errorf("err = %v", err)
	}
}

// BenchmarkCheckUnsupported: the check on about 1 MiB of config (7,000
// images), which walks only where a refused field could be.
func BenchmarkCheckUnsupported(b *testing.B) {
	var src strings.Builder
	src.WriteString("version: v2beta1\nimages:\n")
	for i := range 7000 {
		fmt.Fprintf(&src, "  app-%d:\n    image: registry.example.com/team/app-%d\n    tags: [v1, v2]\n    docker: {}\n", i, i)
		fmt.Fprintf(&src, "    buildArgs:\n      VERSION: \"1.%d\"\n      COMMIT: 0123456789abcdef0123456789abcdef\n", i)
	}
	l := &loader{path: "devspace.yaml", src: []byte(src.String())}
	if err := l.parse(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := l.checkUnsupported(); err != nil {
			b.Fatal(err)
		}
	}
}
