package syncproto

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	for _, f := range []struct {
		typ     byte
		payload string
	}{{Hello, Version}, {List, ""}, {Changes, `[{"p":"a"}]`}} {
		if err := WriteFrame(&buf, f.typ, []byte(f.payload)); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{Version, "", `[{"p":"a"}]`} {
		_, got, err := ReadFrame(&buf)
		if err != nil || string(got) != want {
			t.Fatalf("frame %q, %v; want %q", got, err, want)
		}
	}
	if _, _, err := ReadFrame(bytes.NewReader([]byte{0, 0, 0, 9, 'P', 1})); err == nil {
		t.Error("a truncated frame was read")
	}
}

func TestFileStream(t *testing.T) {
	var s FileStream
	s.Add(FileHeader{Entry: Entry{Path: "a", MTime: 5}, Expect: Expect{Entry: &Entry{Size: 1}}}, []byte("one"))
	s.Add(FileHeader{Entry: Entry{Path: "d/b"}}, nil)
	payload, err := s.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	hs, bodies, err := ReadFileStream(payload)
	if err != nil {
		t.Fatal(err)
	}
	want := []FileHeader{{Entry: Entry{Path: "a", Size: 3, MTime: 5}, Expect: Expect{Entry: &Entry{Size: 1}}}, {Entry: Entry{Path: "d/b"}}}
	if diff := cmp.Diff(want, hs); diff != "" || string(bodies[0]) != "one" || len(bodies[1]) != 0 {
		t.Errorf("(-want +got):\n%s bodies %q", diff, bodies)
	}
	var bad FileStream
	bad.Add(FileHeader{Entry: Entry{Path: "../escape"}}, []byte("x"))
	payload, _ = bad.Bytes()
	if _, _, err := ReadFileStream(payload); err == nil {
		t.Error("a path out of the root was accepted")
	}
}

func TestCheckPath(t *testing.T) {
	for p, ok := range map[string]bool{"a": true, "a/b.txt": true, "": false, ".": false, "..": false, "../a": false, "/etc/passwd": false, "a/../../b": false, "a//b": false} {
		if got := CheckPath(p) == nil; got != ok {
			t.Errorf("CheckPath(%q) ok = %v, want %v", p, got, ok)
		}
	}
}

func TestWriteFileIsAtomicWithModeAndTime(t *testing.T) {
	root := t.TempDir()
	mtime := time.Date(2021, 2, 3, 4, 5, 6, 7000, time.UTC).UnixNano()
	rel, e, err := WriteFile(root, Entry{Path: "x/y/f", MTime: mtime, Mode: 0o600}, []byte("data"), nil)
	if err != nil || rel != "x/y/f" || e.Size != 4 || e.MTime != mtime || e.Mode != 0o600 {
		t.Fatalf("%s %+v %v", rel, e, err)
	}
	// divert writes beside a file that is not as expected.
	rel, _, err = WriteFile(root, Entry{Path: "x/y/f"}, []byte("other"), func(cur *Entry) string {
		if cur.Same(e) {
			return "x/y/f.copy"
		}
		return "x/y/f"
	})
	if err != nil || rel != "x/y/f.copy" {
		t.Fatalf("divert: %s %v", rel, err)
	}
	ents, _ := os.ReadDir(filepath.Join(root, "x", "y"))
	if len(ents) != 2 {
		t.Errorf("temporary files left: %v", ents)
	}
	if err := RemoveFile(root, "x/y/f"); err != nil {
		t.Fatal(err)
	}
	if err := RemoveFile(root, "x/y/f.copy"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "x")); !os.IsNotExist(err) {
		t.Errorf("emptied directories left: %v", err)
	}
}
