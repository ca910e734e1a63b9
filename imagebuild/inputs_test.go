package imagebuild

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devspace-engine/devspace/redact"
)

func TestDiffInputsNamesWhatChanged(t *testing.T) {
	old := Inputs{
		Files:      map[string]string{"a.go": "1", "b.go": "1", "c.go": "1", "d.go": "1", "e.go": "1", "gone.go": "1"},
		Args:       map[string]string{"VERSION": "1.2", "API_TOKEN": "sha256:aa", "OLD": "x"},
		Target:     "dev",
		Dockerfile: []string{"FROM a", "RUN x", "COPY . ."},
		Bases:      map[string]string{"node:20": "sha256:1111111111111111aaaa", "image:reg/base": "k1"},
	}
	cur := Inputs{
		Files:      map[string]string{"a.go": "2", "b.go": "2", "c.go": "2", "d.go": "2", "e.go": "1", "new.go": "1", "new2.go": "1"},
		Args:       map[string]string{"VERSION": "1.3", "API_TOKEN": "sha256:bb", "NEW": "y"},
		Target:     "prod",
		Dockerfile: []string{"FROM a", "RUN y", "COPY . ."},
		Bases:      map[string]string{"node:20": "sha256:2222222222222222bbbb", "image:reg/base": "k2"},
	}
	got := DiffInputs(old, cur, true)
	want := []string{
		"a.go, b.go, c.go … and 1 more changed, 2 added, 1 removed",
		"build arg API_TOKEN changed (secret)",
		"build arg NEW set",
		"build arg VERSION 1.2 → 1.3",
		"build arg OLD removed",
		"target dev → prod",
		"Dockerfile line 2 changed",
		"base reg/base changed",
		"base node:20 moved (sha256:111111111111… → sha256:222222222222…)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if r := DiffInputs(old, old, true); len(r) != 0 {
		t.Errorf("identical inputs: %v", r)
	}
	if r := DiffInputs(Inputs{Files: old.Files}, Inputs{Files: cur.Files}, false); len(r) != 0 {
		t.Errorf("files must not count without withFiles: %v", r)
	}
}

func TestMarkRebuiltBases(t *testing.T) {
	reqs := []Request{{Name: "base", Image: "reg/base"}, {Name: "app", Image: "reg/app"}, {Name: "lib", Image: "reg/lib"}}
	ds := []Decision{
		{Name: "base", Rebuild: true, Reasons: []string{"Dockerfile line 3 changed"}},
		{Name: "app", Rebuild: true, Reasons: []string{"base reg/base changed", "base reg/lib changed"}},
		{Name: "lib"},
	}
	MarkRebuiltBases(reqs, ds)
	if got := strings.Join(ds[1].Reasons, "; "); got != "base reg/base rebuilt in this run; base reg/lib changed" {
		t.Errorf("reasons: %s", got)
	}
}

func TestDiffLines(t *testing.T) {
	for _, tc := range []struct {
		old, cur []string
		want     string
	}{
		{[]string{"a", "b", ""}, []string{"a", "b", "c", "d", ""}, "Dockerfile lines 3-4 added"},
		{[]string{"a", "b", "c"}, []string{"a", "c"}, "Dockerfile line 2 removed"},
		{[]string{"a", "b", "c"}, []string{"a", "x", "c"}, "Dockerfile line 2 changed"},
		{[]string{"a", "b", "c"}, []string{"x", "y", "c"}, "Dockerfile lines 1-2 changed"},
		{[]string{"a"}, []string{"a", ""}, ""},
	} {
		if got := diffLines(tc.old, tc.cur); got != tc.want {
			t.Errorf("diffLines(%q, %q) = %q, want %q", tc.old, tc.cur, got, tc.want)
		}
	}
}

func TestInputsKeepSecretsHashed(t *testing.T) {
	t.Parallel()
	inputs := func(pass string) Inputs {
		var secrets redact.Set
		secrets.Add(pass)
		dsn, plain := "postgres://app:"+pass+"@db", "1.2"
		return InputsOf(Request{Secrets: &secrets, BuildArgs: map[string]*string{
			"DB_PASS": &pass, "DSN": &dsn, "VERSION": &plain}})
	}
	a, b := inputs("hunter2A"), inputs("hunter2B")
	for _, in := range []Inputs{a, b} {
		data, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "hunter2") || !strings.Contains(string(data), `"VERSION":"1.2"`) {
			t.Errorf("stored inputs: %s", data)
		}
	}
	want := []string{"build arg DB_PASS changed (secret)", "build arg DSN changed (secret)"}
	if diff := cmp.Diff(want, DiffInputs(a, b, false)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if r := DiffInputs(a, inputs("hunter2A"), false); len(r) != 0 {
		t.Errorf("the same secret again: %v", r)
	}
}

// TestFileInputFormat: a file's entry in Inputs.Files is written as the
// inputs files of earlier versions hold it ("%o:%x" of the mode and the
// digest's first 8 bytes), so a rebuild after an upgrade names only the
// files that changed.
func TestFileInputFormat(t *testing.T) {
	digest := [32]byte{0x00, 0x1f, 0xa0, 0xff, 0x12, 0x34, 0x56, 0x78, 0x9a}
	for _, mode := range []fs.FileMode{0o644, 0o755 | fs.ModeSetuid, fs.ModeSymlink | 0o777, 0} {
		f := ContextFile{Path: "a", Mode: mode, Digest: digest}
		want := fmt.Sprintf("%o:%x", uint32(f.Mode), f.Digest[:8])
		if got := string(fileInput(nil, f)); got != want {
			t.Errorf("fileInput(mode %v) = %q; want %q", mode, got, want)
		}
	}
}
