package imagebuild

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devspace-engine/devspace/testbed"
)

func TestCachePath(t *testing.T) {
	t.Parallel()
	tests := []struct{ config, want string }{
		{"/p/devspace.yaml", "/p/.devspace/cache.json"},
		{"/p/devspace.yml", "/p/.devspace/cache.json"},
		{"/p/devspace-prod.yaml", "/p/.devspace/cache-devspace-prod.json"},
	}
	for _, tt := range tests {
		if got := CachePath(tt.config); got != tt.want {
			t.Errorf("CachePath(%s) = %s, want %s", tt.config, got, tt.want)
		}
	}
}

func TestCacheRoundTrip(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "devspace.yaml")
	c, warn := LoadCache(cfg)
	if warn != nil {
		t.Fatalf("missing cache warned: %v", warn)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.Path()); !os.IsNotExist(err) {
		t.Fatalf("Save without changes wrote the file (stat err %v)", err)
	}
	req := Request{Name: "app", Image: "repo/app", Tags: []string{"v1", "latest"}, Key: "k", Push: true,
		Parts: KeyParts{Dockerfile: "d", Context: "c"}, Files: []ContextFile{{Path: "a", Digest: [32]byte{1}}}}
	c.RecordBuild(req, Result{ID: "sha256:id", Digest: "sha256:dg"})
	c.memo.store(fileID{1, 2}, stamp{3, 4, 5}, [32]byte{6})
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c2, warn := LoadCache(cfg)
	if warn != nil {
		t.Fatal(warn)
	}
	got, ok := c2.Image("app")
	want, _ := c.Image("app")
	if !ok || !cmp.Equal(want, got) || got.Ref() != "repo/app:v1" || got.ImageID != "sha256:id" || !got.Pushed {
		t.Errorf("record = %+v, want %+v", got, want)
	}
	if d, ok := c2.Memo().lookup(fileID{1, 2}, stamp{3, 4, 5}); !ok || d != [32]byte{6} {
		t.Error("memo entry lost")
	}
}

// TestCacheSaveInputsFail: when the builds' inputs cannot be written,
// Save says so, and the records and the memo are written all the same
// (they are written at once, not after the inputs): the next run decides
// from them; only a rebuild's reasons are coarser.
func TestCacheSaveInputsFail(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "devspace.yaml")
	// A file where the inputs' directory goes.
	testbed.WriteTree(t, dir, map[string]string{".devspace/inputs": "not a directory"})
	c, _ := LoadCache(cfg)
	req := Request{Name: "app", Image: "repo/app", Tags: []string{"v1"}, Key: "k", Files: []ContextFile{{Path: "a"}}}
	c.RecordBuild(req, Result{ID: "sha256:id"})
	c.memo.store(fileID{1, 2}, stamp{3, 4, 5}, [32]byte{6})
	if err := c.Save(); err == nil || !strings.Contains(err.Error(), "save build inputs") {
		t.Fatalf("Save = %v; want an error about the build inputs", err)
	}
	c2, _ := LoadCache(cfg)
	if rec, ok := c2.Image("app"); !ok || rec.Key != "k" {
		t.Errorf("record after a failed inputs write = %+v, %v; want key k", rec, ok)
	}
	if _, ok := c2.Memo().lookup(fileID{1, 2}, stamp{3, 4, 5}); !ok {
		t.Error("memo entry lost after a failed inputs write")
	}
}

func TestCacheCorrupt(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, content, want string }{
		{"garbage", "\x00\x01not json", "corrupt"},
		{"truncated", `{"version":1,"images":{"app":{"key":"k"`, "corrupt"},
		{"other version", `{"version":99}`, "unknown version 99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := filepath.Join(t.TempDir(), "devspace.yaml")
			testbed.WriteTree(t, filepath.Dir(cfg), map[string]string{".devspace/cache.json": tt.content})
			c, warn := LoadCache(cfg)
			if warn == nil || !strings.Contains(warn.Error(), tt.want) || !strings.Contains(warn.Error(), c.Path()) {
				t.Fatalf("warning = %v, want it to name the file and say %q", warn, tt.want)
			}
			if _, ok := c.Image("app"); ok {
				t.Error("corrupt cache gave a record")
			}
			c.Record("app", ImageRecord{Key: "new"})
			if err := c.Save(); err != nil {
				t.Fatalf("Save over a corrupt cache: %v", err)
			}
			if c2, warn := LoadCache(cfg); warn != nil {
				t.Errorf("after Save: %v", warn)
			} else if r, _ := c2.Image("app"); r.Key != "new" {
				t.Errorf("after Save: record %+v", r)
			}
		})
	}
}

func TestCacheCorruptMemo(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "devspace.yaml")
	testbed.WriteTree(t, filepath.Dir(cfg), map[string]string{
		".devspace/cache.json": `{"version":1,"images":{"app":{"key":"k"}}}`,
		".devspace/cache.memo": "garbage",
	})
	c, warn := LoadCache(cfg)
	if warn == nil || !strings.Contains(warn.Error(), "cache.memo ignored: corrupt") {
		t.Fatalf("warning = %v", warn)
	}
	if r, ok := c.Image("app"); !ok || r.Key != "k" {
		t.Error("records lost with the memo")
	}
	c.memo.store(fileID{1, 1}, stamp{}, [32]byte{})
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if c2, warn := LoadCache(cfg); warn != nil || c2.Memo().Len() != 1 {
		t.Errorf("after Save: %d entries, %v", c2.Memo().Len(), warn)
	}
}

func TestCacheConcurrentWriters(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "devspace.yaml")
	const writers, images = 2, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*images)
	for w := range writers {
		wg.Go(func() {
			c, _ := LoadCache(cfg) // separate values, as two runs would have
			for i := range images {
				c.Record(fmt.Sprintf("w%d-%d", w, i), ImageRecord{Key: strconv.Itoa(i)})
				c.memo.store(fileID{uint64(w), uint64(i)}, stamp{}, [32]byte{})
				if err := c.Save(); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assertRecords(t, cfg, writers, images)
}

func assertRecords(t *testing.T, cfg string, writers, images int) {
	t.Helper()
	c, warn := LoadCache(cfg)
	if warn != nil {
		t.Fatal(warn)
	}
	for w := range writers {
		for i := range images {
			if r, ok := c.Image(fmt.Sprintf("w%d-%d", w, i)); !ok || r.Key != strconv.Itoa(i) {
				t.Errorf("record w%d-%d lost", w, i)
			}
		}
	}
	if n := c.Memo().Len(); n != writers*images {
		t.Errorf("memo has %d entries, want %d", n, writers*images)
	}
}

// TestCacheProcesses runs two processes (this test binary, as
// TestCacheHelperProcess) saving into one cache at the same time.
func TestCacheProcesses(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "devspace.yaml")
	const procs, images = 2, 8
	var cmds []*exec.Cmd
	for w := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCacheHelperProcess$")
		cmd.Env = append(os.Environ(), "BUILD_CACHE_HELPER="+cfg, fmt.Sprintf("BUILD_CACHE_WRITER=%d", w), fmt.Sprintf("BUILD_CACHE_IMAGES=%d", images))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper: %v", err)
		}
	}
	assertRecords(t, cfg, procs, images)
}

func TestCacheHelperProcess(t *testing.T) {
	cfg := os.Getenv("BUILD_CACHE_HELPER")
	if cfg == "" {
		t.Skip("helper process for TestCacheProcesses")
	}
	w, _ := strconv.Atoi(os.Getenv("BUILD_CACHE_WRITER"))
	n, _ := strconv.Atoi(os.Getenv("BUILD_CACHE_IMAGES"))
	c, _ := LoadCache(cfg)
	for i := range n {
		c.Record(fmt.Sprintf("w%d-%d", w, i), ImageRecord{Key: strconv.Itoa(i)})
		c.memo.store(fileID{uint64(w), uint64(i)}, stamp{}, [32]byte{})
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCacheAtomic reads the cache while it is rewritten: every read sees a
// whole file, and no temp file is left behind.
func TestCacheAtomic(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "devspace.yaml")
	c, _ := LoadCache(cfg)
	done := make(chan struct{})
	var wg sync.WaitGroup
	var reads, partial int
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			data, err := os.ReadFile(c.Path())
			if err != nil {
				continue
			}
			reads++
			var f cacheFile
			if json.Unmarshal(data, &f) != nil || strings.Trim(f.Images["img"].Key, f.Images["img"].Key[:1]) != "" {
				partial++
			}
		}
	})
	for i := range 20 {
		// a file large enough to be written in parts, different each time
		key := strings.Repeat(string(rune('a'+i%26)), 128<<10)
		c.Record("img", ImageRecord{Key: key, BuiltAt: time.Now()})
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	if partial > 0 {
		t.Errorf("%d of %d reads saw a partial file", partial, reads)
	}
	entries, err := os.ReadDir(filepath.Dir(c.Path()))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
}

// The fingerprints of a build's files stay out of cache.json, which every
// run reads: they are read from the image's inputs when its key changed.
// A cache.json written with them still gives them.
func TestCacheFingerprintsInInputs(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "devspace.yaml")
	c, _ := LoadCache(cfg)
	var files []ContextFile
	for i := range 100 {
		files = append(files, ContextFile{Path: fmt.Sprintf("f%d", i), Digest: [32]byte{byte(i)}})
	}
	c.RecordBuild(Request{Name: "app", Image: "repo/app", Key: "k", Files: files}, Result{})
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(c.Path())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), `"files"`) {
		t.Errorf("cache.json holds the files' fingerprints:\n%s", data)
	}
	c2, _ := LoadCache(cfg)
	if rec, _ := c2.previous("app", "k"); rec.Files != nil {
		t.Error("the fingerprints were read for an unchanged key")
	}
	if rec, _ := c2.previous("app", "changed"); !slices.Equal(rec.Files, fingerprints(files)) {
		t.Errorf("fingerprints after a key change: %d bytes, want %d", len(rec.Files), len(fingerprints(files)))
	}
	// An older cache.json, with the fingerprints in the record.
	old := ImageRecord{Key: "k", Image: "repo/old", Files: fingerprints(files[:3])}
	data, err = json.Marshal(cacheFile{Version: cacheVersion, Images: map[string]ImageRecord{"old": old}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.Path(), data, 0o600); err != nil {
		t.Fatal(err)
	}
	c3, _ := LoadCache(cfg)
	if rec, _ := c3.previous("old", "changed"); !slices.Equal(rec.Files, old.Files) {
		t.Error("the fingerprints of an older cache.json were lost")
	}
}
