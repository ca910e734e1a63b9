package imagebuild

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/testbed"
)

var baseTree = map[string]string{
	"Dockerfile":    "FROM scratch AS build\nCOPY . /src\nFROM scratch AS final\n",
	".dockerignore": "*.log\n",
	"main.go":       "package main\n",
	"pkg/a.go":      "package pkg\n",
	"debug.log":     "noise",
}

// keyOf builds the request of img in cfgDir and computes its key.
func keyOf(t testing.TB, h *Hasher, cfgDir string, img config.Image) Request {
	t.Helper()
	img.Name, img.Image = "app", "registry.example.com/app"
	req, err := NewRequest(cfgDir, &img, RequestOptions{Kinds: testKinds})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Key(context.Background(), &req); err != nil {
		t.Fatal(err)
	}
	return req
}

func TestKeyStableAcrossCheckouts(t *testing.T) {
	t.Parallel()
	a, b := filepath.Join(t.TempDir(), "checkout-a"), filepath.Join(t.TempDir(), "elsewhere", "b")
	testbed.WriteTree(t, a, baseTree)
	testbed.WriteTree(t, b, baseTree)
	// A touched file and a moved checkout keep the key.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(b, "main.go"), later, later); err != nil {
		t.Fatal(err)
	}
	img := config.Image{BuildArgs: map[string]*string{"B": strp("2"), "A": strp("1")}}
	ka, kb := keyOf(t, NewHasher(nil), a, img), keyOf(t, NewHasher(nil), b, img)
	if ka.Key != kb.Key || ka.Tags[0] != kb.Tags[0] {
		t.Errorf("keys differ across checkouts: %s (%v) vs %s (%v)", ka.Key, ka.Tags, kb.Key, kb.Tags)
	}
	if !ka.DefaultTag || !regexp.MustCompile(`^ds-[0-9a-f]{12}$`).MatchString(ka.Tags[0]) || ka.Tags[0] != DefaultTag(ka.Key) {
		t.Errorf("default tag = %v (DefaultTag %v), key %s", ka.Tags, ka.DefaultTag, ka.Key)
	}
}

func TestKeyInputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		change  func(t *testing.T, dir string, img *config.Image)
		changed bool
	}{
		{"content", func(t *testing.T, dir string, _ *config.Image) {
			testbed.WriteTree(t, dir, map[string]string{"pkg/a.go": "package b\n"})
		}, true},
		{"mode", func(t *testing.T, dir string, _ *config.Image) { chmod(t, filepath.Join(dir, "main.go"), 0o755) }, true},
		{"new file", func(t *testing.T, dir string, _ *config.Image) {
			testbed.WriteTree(t, dir, map[string]string{"new.txt": ""})
		}, true},
		{"new empty dir", func(t *testing.T, dir string, _ *config.Image) {
			testbed.WriteTree(t, dir, map[string]string{"empty/": ""})
		}, true},
		{"removed file", func(t *testing.T, dir string, _ *config.Image) { rm(t, filepath.Join(dir, "pkg/a.go")) }, true},
		{"ignored file", func(t *testing.T, dir string, _ *config.Image) {
			testbed.WriteTree(t, dir, map[string]string{"debug.log": "more", "x.log": ""})
		}, false},
		{".devspace dir", func(t *testing.T, dir string, _ *config.Image) {
			testbed.WriteTree(t, dir, map[string]string{".devspace/cache.json": "{}"})
		}, false},
		{"ignore file", func(t *testing.T, dir string, _ *config.Image) {
			testbed.WriteTree(t, dir, map[string]string{".dockerignore": "*.log\npkg\n"})
		}, true},
		{"Dockerfile", func(t *testing.T, dir string, _ *config.Image) {
			testbed.WriteTree(t, dir, map[string]string{"Dockerfile": "FROM scratch\n"})
		}, true},
		{"build arg value", func(_ *testing.T, _ string, img *config.Image) { img.BuildArgs["A"] = strp("9") }, true},
		{"build arg nil", func(_ *testing.T, _ string, img *config.Image) { img.BuildArgs["A"] = nil }, true},
		{"build arg added", func(_ *testing.T, _ string, img *config.Image) { img.BuildArgs["C"] = strp("") }, true},
		{"target", func(_ *testing.T, _ string, img *config.Image) { img.Target = "build" }, true},
		{"network", func(_ *testing.T, _ string, img *config.Image) { img.Network = "host" }, true},
		{"entrypoint", func(_ *testing.T, _ string, img *config.Image) { img.Entrypoint = []string{"/app"} }, true},
		{"cmd", func(_ *testing.T, _ string, img *config.Image) { img.Cmd = []string{} }, true},
		{"appended instruction", func(_ *testing.T, _ string, img *config.Image) { img.AppendDockerfileInstructions = []string{"USER 1"} }, true},
		{"builder kind", func(_ *testing.T, _ string, img *config.Image) { img.Kaniko = &config.KanikoBuild{} }, true},
		{"docker args", func(_ *testing.T, _ string, img *config.Image) {
			img.Docker = &config.DockerBuild{Args: []string{"--platform=arm64"}}
		}, true},
		{"docker daemon choice", func(_ *testing.T, _ string, img *config.Image) {
			img.Docker = &config.DockerBuild{PreferMinikube: new(bool)}
		}, false},
		{"tags", func(_ *testing.T, _ string, img *config.Image) { img.Tags = []string{"v2"} }, false},
		{"skipPush", func(_ *testing.T, _ string, img *config.Image) { img.SkipPush = true }, false},
		{"createPullSecret", func(_ *testing.T, _ string, img *config.Image) { img.CreatePullSecret = new(bool) }, false},
		{"insecure", func(_ *testing.T, _ string, img *config.Image) { img.Insecure = true }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			testbed.WriteTree(t, dir, baseTree)
			img := config.Image{BuildArgs: map[string]*string{"A": strp("1")}}
			before := keyOf(t, NewHasher(nil), dir, img)
			img.BuildArgs = map[string]*string{"A": strp("1")}
			tt.change(t, dir, &img)
			after := keyOf(t, NewHasher(nil), dir, img)
			if got := before.Key != after.Key; got != tt.changed {
				t.Errorf("key changed = %v, want %v", got, tt.changed)
			}
		})
	}
}

func chmod(t *testing.T, p string, m os.FileMode) {
	t.Helper()
	if err := os.Chmod(p, m); err != nil {
		t.Fatal(err)
	}
}

func rm(t *testing.T, p string) {
	t.Helper()
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
}

func TestKeyCustomOnChange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testbed.WriteTree(t, dir, map[string]string{"src/a.go": "a", "src/deep/b.go": "b", "other.txt": "o"})
	img := config.Image{Custom: &config.CustomBuild{Command: "./build.sh", OnChange: []string{"src/**/*.go"}}}
	before := keyOf(t, NewHasher(nil), dir, img)
	if len(before.Files) != 2 || before.Files[0].Path != "src/a.go" {
		t.Fatalf("files = %+v", before.Files)
	}
	testbed.WriteTree(t, dir, map[string]string{"other.txt": "changed"})
	if k := keyOf(t, NewHasher(nil), dir, img); k.Key != before.Key {
		t.Error("unwatched file changed the key")
	}
	testbed.WriteTree(t, dir, map[string]string{"src/deep/b.go": "changed"})
	if k := keyOf(t, NewHasher(nil), dir, img); k.Key == before.Key {
		t.Error("watched file did not change the key")
	}
	img.Custom = &config.CustomBuild{Command: "./other.sh", OnChange: img.Custom.OnChange}
	if k := keyOf(t, NewHasher(nil), dir, img); k.Key == before.Key {
		t.Error("custom command did not change the key")
	}
}

func TestMemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testbed.WriteTree(t, dir, baseTree)
	// Fresh files are hashed but not memoized: a second write within the
	// timestamp granularity could go unnoticed.
	h := NewHasher(NewMemo())
	first := keyOf(t, h, dir, config.Image{})
	if n := h.memo.Len(); n != 0 {
		t.Errorf("memoized %d fresh files, want 0", n)
	}
	// With the racy window closed, the memo fills and is then used instead
	// of reading: a planted digest proves the file was not read.
	h.racyWindow = 0
	keyOf(t, h, dir, config.Image{})
	if n := h.memo.Len(); n != 4 {
		t.Fatalf("memoized %d files, want 4", n)
	}
	fst, err := lstat(filepath.Join(dir, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	id, st := fst.id, fst.st
	h.memo.store(id, st, [32]byte{1})
	reads := h.Stats().Reads
	planted := keyOf(t, h, dir, config.Image{})
	if planted.Key == first.Key || h.Stats().Reads != reads {
		t.Errorf("memo not used: key unchanged=%v, reads %d -> %d", planted.Key == first.Key, reads, h.Stats().Reads)
	}
	// The memo survives encoding.
	b, err := h.memo.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	m2 := NewMemo()
	if err := m2.UnmarshalBinary(b); err != nil || m2.Len() != 4 {
		t.Fatalf("decoded %d entries, err %v", m2.Len(), err)
	}
	if d, ok := m2.lookup(id, st); !ok || d != [32]byte{1} {
		t.Error("decoded memo lost the entry")
	}
	if err := m2.UnmarshalBinary([]byte("garbage")); err == nil {
		t.Error("garbage memo decoded without error")
	}
}

func TestKeysShareWalks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testbed.WriteTree(t, dir, baseTree)
	var reqs []Request
	for _, name := range []string{"a", "b", "c"} {
		img := config.Image{Name: name, Image: "repo/" + name, BuildArgs: map[string]*string{"N": strp(name)}}
		req, err := NewRequest(dir, &img, RequestOptions{Kinds: testKinds})
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, req)
	}
	h := NewHasher(nil)
	if err := h.Keys(context.Background(), reqs); err != nil {
		t.Fatal(err)
	}
	if got := h.Stats().Entries; got != int64(len(reqs[0].Files)) {
		t.Errorf("stat'ed %d entries for 3 images of one context, want %d", got, len(reqs[0].Files))
	}
	if reqs[0].Key == reqs[1].Key || reqs[0].Parts.Context != reqs[2].Parts.Context {
		t.Error("want different keys, same context digest")
	}
}

func TestKeysErrorsNameImages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	reqs := []Request{{Name: "gone", Kind: testDocker, ContextDir: filepath.Join(dir, "nope")}}
	err := NewHasher(nil).Keys(context.Background(), reqs)
	if err == nil || !regexp.MustCompile(`^image "gone": read context directory`).MatchString(err.Error()) {
		t.Errorf("err = %v", err)
	}
}

// A local named build context's content is part of the key, its location
// is not; an image without one keeps the key it had.
func TestKeyNamedContext(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	testbed.WriteTree(t, filepath.Join(root, "app"), baseTree)
	testbed.WriteTree(t, filepath.Join(root, "extra"), map[string]string{"x": "one"})
	testbed.WriteTree(t, filepath.Join(root, "moved", "extra"), map[string]string{"x": "one"})
	keyWith := func(dir string) string {
		req, err := NewRequest(filepath.Join(root, "app"), &config.Image{Name: "app", Image: "r/app"}, RequestOptions{Kinds: testKinds})
		if err != nil {
			t.Fatal(err)
		}
		if dir != "" {
			req.Options.Contexts = []config.BuildContext{{Name: "extra", Value: dir}, {Name: "base", Value: "docker-image://alpine"}}
		}
		if err := NewHasher(nil).Key(context.Background(), &req); err != nil {
			t.Fatal(err)
		}
		return req.Key
	}
	plain := keyOf(t, NewHasher(nil), filepath.Join(root, "app"), config.Image{}).Key
	without, with := keyWith(""), keyWith(filepath.Join(root, "extra"))
	if without != plain || with == without {
		t.Errorf("keys: plain %s, without %s, with %s: the named context must change the key, and only it", plain, without, with)
	}
	if moved := keyWith(filepath.Join(root, "moved", "extra")); moved != with {
		t.Errorf("the named context's location changed the key: %s vs %s", moved, with)
	}
	testbed.WriteTree(t, filepath.Join(root, "extra"), map[string]string{"x": "two"})
	if changed := keyWith(filepath.Join(root, "extra")); changed == with {
		t.Error("a change in the named context kept the key")
	}
}

// A local named context's files are what BuildKit's frontend loads for
// it: the directory less its own .dockerignore (the Dockerfile's
// <Dockerfile>.dockerignore is the main context's alone). A change to an
// ignored file keeps the key, a change to a kept one changes it.
func TestKeyNamedContextIgnore(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	testbed.WriteTree(t, filepath.Join(root, "app"), map[string]string{
		"Dockerfile": "FROM scratch\nCOPY --from=extra /x /x\n", "Dockerfile.dockerignore": "x\n",
	})
	testbed.WriteTree(t, filepath.Join(root, "extra"), map[string]string{
		"x": "one", ".dockerignore": "*.log\nnotes/\n", "build.log": "noise", "notes/a.txt": "a",
	})
	key := func() Request {
		req, err := NewRequest(filepath.Join(root, "app"), &config.Image{Name: "app", Image: "r/app"}, RequestOptions{Kinds: testKinds})
		if err != nil {
			t.Fatal(err)
		}
		req.Options.Contexts = []config.BuildContext{{Name: "extra", Value: filepath.Join(root, "extra")}}
		if err := NewHasher(nil).Key(context.Background(), &req); err != nil {
			t.Fatal(err)
		}
		return req
	}
	first := key()
	var paths []string
	for _, n := range first.Named {
		for _, f := range n.Files {
			paths = append(paths, n.Name+":"+f.Path)
		}
	}
	if want := []string{"extra:.dockerignore", "extra:x"}; !slices.Equal(paths, want) {
		t.Errorf("named files = %v, want %v", paths, want)
	}
	testbed.WriteTree(t, filepath.Join(root, "extra"), map[string]string{"build.log": "more noise", "notes/b.txt": "b"})
	if k := key().Key; k != first.Key {
		t.Error("a change to files the named context's .dockerignore excludes changed the key")
	}
	testbed.WriteTree(t, filepath.Join(root, "extra"), map[string]string{"x": "two"})
	if k := key().Key; k == first.Key {
		t.Error("a change to a kept file of the named context kept the key")
	}
}

// TestMemoSoonAfterCheckout: files on a file system with nanosecond
// timestamps are memoized once fineRacyWindow has passed, as in a CI job
// that runs devspace a moment after its clone; whole-second stamps keep
// the full window.
func TestMemoSoonAfterCheckout(t *testing.T) {
	t.Parallel()
	h := NewHasher(NewMemo())
	now := time.Unix(1_000_000, 0)
	coarse := stamp{mtime: now.Add(-time.Second).UnixNano(), ctime: now.Add(-time.Second).UnixNano()}
	if h.settled(now, coarse) {
		t.Error("a whole-second stamp 1 s old counts as settled; want the full window")
	}
	fine := stamp{mtime: coarse.mtime + 1, ctime: coarse.ctime + 1}
	if !h.settled(now, fine) {
		t.Error("a nanosecond stamp 1 s old does not count as settled")
	}

	dir := t.TempDir()
	testbed.WriteTree(t, dir, baseTree)
	fst, err := lstat(filepath.Join(dir, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if fst.st.ctime%int64(time.Second) == 0 {
		t.Log("this file system's ctime has no sub-second part: the whole-second window applies")
		return
	}
	time.Sleep(h.fineRacyWindow + 50*time.Millisecond)
	keyOf(t, h, dir, config.Image{})
	if n := h.memo.Len(); n != 4 {
		t.Errorf("memoized %d files %v after their change, want 4", n, h.fineRacyWindow+50*time.Millisecond)
	}
}
