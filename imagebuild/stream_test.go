package imagebuild

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/testbed"
)

// The key of walkTree's image and its context digest with walkTree again
// as a named context (its own .dockerignore applied), as the code before
// the contexts were streamed into the key computed them.
const (
	walkTreeKey      = "0d2f9172c0a7d6019a54e6c07ccafedbb84f45be52702b2b20acb943574b6d3a"
	walkTreeNamedCtx = "812f1e78d47ef2b397ab77cdf8e40b94f1af08dfeb6a18fa361ea1365c27c44f"
)

func omitAll(*Request) bool { return true }

// walkTreeRequest is walkTree's image, with extra as a named context
// when it is not "".
func walkTreeRequest(t *testing.T, dir, extra string) Request {
	t.Helper()
	req, err := NewRequest(dir, &config.Image{Name: "app", Image: "r/app"}, RequestOptions{Kinds: testKinds})
	if err != nil {
		t.Fatal(err)
	}
	if extra != "" {
		req.Options.Contexts = []config.BuildContext{{Name: "extra", Value: extra}, {Name: "base", Value: "docker-image://alpine"}}
	}
	return req
}

// The streamed key is the key of the listed entries, with or without the
// list kept and with or without a memo: tags do not change.
func TestStreamedKeyIsPinned(t *testing.T) {
	t.Parallel()
	dir, extra := writeWalkTree(t), writeWalkTree(t)
	memo := NewMemo()
	for _, c := range []struct {
		name string
		h    *Hasher
	}{{"files", NewHasher(nil)}, {"omit files", &Hasher{memo: memo, slots: make(chan struct{}, 1), OmitFiles: omitAll}},
		{"memo", &Hasher{memo: memo, slots: make(chan struct{}, 4), OmitFiles: omitAll}}} {
		plain := walkTreeRequest(t, dir, "")
		named := walkTreeRequest(t, dir, extra)
		if err := c.h.Key(context.Background(), &named); err != nil {
			t.Fatal(err)
		}
		reqs := []Request{plain}
		if err := c.h.Keys(context.Background(), reqs); err != nil {
			t.Fatal(err)
		}
		plain = reqs[0]
		if plain.Parts.Context != walkTreeContext || plain.Key != walkTreeKey {
			t.Errorf("%s: context %s, key %s; want %s, %s", c.name, plain.Parts.Context, plain.Key, walkTreeContext, walkTreeKey)
		}
		if named.Parts.Context != walkTreeNamedCtx {
			t.Errorf("%s: with a named context: context %s, want %s", c.name, named.Parts.Context, walkTreeNamedCtx)
		}
		if (c.h.OmitFiles != nil) != (plain.Files == nil) {
			t.Errorf("%s: Files %v", c.name, plain.Files)
		}
	}
}

// Files fills what Keys omitted: the entries ContextFiles lists, and those
// of the named contexts, as Keys keeps them without OmitFiles.
func TestFilesAfterOmitFiles(t *testing.T) {
	t.Parallel()
	dir, extra := writeWalkTree(t), writeWalkTree(t)
	want, err := ContextFiles(context.Background(), dir, filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	kept := walkTreeRequest(t, dir, extra)
	if err := NewHasher(nil).Key(context.Background(), &kept); err != nil {
		t.Fatal(err)
	}
	if len(kept.Named) != 1 || len(kept.Named[0].Files) == 0 {
		t.Fatalf("Key kept named contexts %v", kept.Named)
	}
	h := NewHasher(NewMemo())
	h.OmitFiles = omitAll
	reqs := []Request{walkTreeRequest(t, dir, extra)}
	if err := h.Keys(context.Background(), reqs); err != nil {
		t.Fatal(err)
	}
	if reqs[0].Files != nil || reqs[0].Named != nil {
		t.Fatalf("Keys kept %d files, named contexts %v with OmitFiles", len(reqs[0].Files), reqs[0].Named)
	}
	if err := h.Files(context.Background(), &reqs[0]); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(reqs[0].Files, want) {
		t.Errorf("Files = %v\nwant %v", reqs[0].Files, want)
	}
	if got := reqs[0].Named; len(got) != 1 || got[0].Name != "extra" || !slices.Equal(got[0].Files, kept.Named[0].Files) {
		t.Errorf("Named = %v\nwant %v", got, kept.Named)
	}
}

// A context of many directories, more entries than the walk keeps in
// flight, with names that sort around '/': the streamed digest is the one
// of every entry sorted by whole path, found here by filepath.WalkDir.
func TestStreamedOrderOnABigTree(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tree := map[string]string{}
	for i := range 3 * streamTasks * hashChunk {
		d := fmt.Sprintf("d%d", i%7)
		if i%3 == 0 {
			d += fmt.Sprintf("/s%d", i%5)
		}
		tree[fmt.Sprintf("%s/f%d", d, i)] = fmt.Sprint(i)
		if i%11 == 0 {
			tree[fmt.Sprintf("d%d-%d", i%7, i)] = "beside"
			tree[fmt.Sprintf("d%d.x/f%d", i%7, i)] = "dotted"
		}
	}
	testbed.WriteTree(t, dir, tree)
	var want []ContextFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		f := ContextFile{Path: filepath.ToSlash(rel), Mode: info.Mode()}
		if !d.IsDir() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			f.Digest = sha256.Sum256(data)
		}
		want = append(want, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(want, func(a, b ContextFile) int { return cmpString(a.Path, b.Path) })
	wantCtx := (KeyInputs{Files: want}).Parts().Context
	memo := NewMemo()
	for _, run := range []string{"cold", "warm"} {
		h := NewHasher(memo)
		h.OmitFiles = omitAll
		reqs := []Request{{Name: "big", Kind: testDocker, ContextDir: dir}}
		if err := h.Keys(context.Background(), reqs); err != nil {
			t.Fatal(err)
		}
		if reqs[0].Parts.Context != wantCtx {
			t.Errorf("%s: context digest %s, want %s", run, reqs[0].Parts.Context, wantCtx)
		}
		if st := h.Stats(); st.Entries != int64(len(want)) {
			t.Errorf("%s: stat'ed %d entries, want %d", run, st.Entries, len(want))
		}
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// OmitFiles picks requests: two images of one context, one with its
// files and one without, each get what they asked for.
func TestOmitFilesPicks(t *testing.T) {
	t.Parallel()
	dir := writeWalkTree(t)
	reqs := []Request{walkTreeRequest(t, dir, ""), walkTreeRequest(t, dir, "")}
	reqs[1].Name = "kept"
	h := NewHasher(NewMemo())
	h.OmitFiles = func(r *Request) bool { return r.Name != "kept" }
	if err := h.Keys(context.Background(), reqs); err != nil {
		t.Fatal(err)
	}
	if reqs[0].Files != nil || len(reqs[1].Files) == 0 {
		t.Errorf("files: omitted %d, kept %d", len(reqs[0].Files), len(reqs[1].Files))
	}
	if reqs[0].Key != walkTreeKey || reqs[1].Key != walkTreeKey {
		t.Errorf("keys %s, %s; want %s", reqs[0].Key, reqs[1].Key, walkTreeKey)
	}
}
