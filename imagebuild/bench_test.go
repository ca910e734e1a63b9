package imagebuild

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/config"
)

// The benchmark fixture: benchImages contexts of benchFiles files of
// benchFileSize bytes, created once per test binary and removed by TestMain.
const (
	benchImages   = 8
	benchFiles    = 2000
	benchFileSize = 10 << 10
)

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// benchFixture returns a config dir with contexts ctx0…ctx7, each with a
// Dockerfile and benchFiles files in 20 directories. It waits until the files
// are older than the memo's racy window, so a warm run can trust the memo.
func benchFixture(b *testing.B) string {
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "build-bench-")
		if fixtureErr != nil {
			return
		}
		content := make([]byte, benchFileSize)
		for i := range content {
			content[i] = byte(i * 7)
		}
		for img := range benchImages {
			ctx := filepath.Join(fixtureDir, fmt.Sprintf("ctx%d", img))
			for f := range benchFiles {
				p := filepath.Join(ctx, fmt.Sprintf("dir%02d", f%20), fmt.Sprintf("file%04d.txt", f))
				if fixtureErr = os.MkdirAll(filepath.Dir(p), 0o755); fixtureErr != nil {
					return
				}
				content[0], content[1] = byte(img), byte(f)
				if fixtureErr = os.WriteFile(p, content, 0o644); fixtureErr != nil {
					return
				}
			}
			if fixtureErr = os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte("FROM scratch\nCOPY . /\n"), 0o644); fixtureErr != nil {
				return
			}
		}
		time.Sleep(NewHasher(nil).racyWindow + 100*time.Millisecond)
	})
	if fixtureErr != nil {
		b.Fatal(fixtureErr)
	}
	return fixtureDir
}

func benchRequests(b *testing.B, dir string) []Request {
	b.Helper()
	var reqs []Request
	for i := range benchImages {
		img := config.Image{Name: fmt.Sprintf("img%d", i), Image: fmt.Sprintf("repo/img%d", i), Context: fmt.Sprintf("ctx%d", i), Dockerfile: fmt.Sprintf("ctx%d/Dockerfile", i)}
		req, err := NewRequest(dir, &img, RequestOptions{Kinds: testKinds})
		if err != nil {
			b.Fatal(err)
		}
		reqs = append(reqs, req)
	}
	return reqs
}

// BenchmarkKeysCold computes the keys of 8 images × 2000 files × 10 KiB with
// an empty memo: every file is read (from the page cache).
func BenchmarkKeysCold(b *testing.B) {
	dir := benchFixture(b)
	for b.Loop() {
		reqs := benchRequests(b, dir)
		if err := NewHasher(NewMemo()).Keys(context.Background(), reqs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/op")
}

// BenchmarkKeysWarm is the same with a filled memo: files are stat'ed, not
// read.
func BenchmarkKeysWarm(b *testing.B) {
	dir := benchFixture(b)
	memo := NewMemo()
	if err := NewHasher(memo).Keys(context.Background(), benchRequests(b, dir)); err != nil {
		b.Fatal(err)
	}
	var h *Hasher
	for b.Loop() {
		reqs := benchRequests(b, dir)
		h = NewHasher(memo)
		if err := h.Keys(context.Background(), reqs); err != nil {
			b.Fatal(err)
		}
	}
	if st := h.Stats(); st.Reads != 0 {
		b.Errorf("warm run read %d files", st.Reads)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/op")
}

// BenchmarkNoChange is the whole no-change decision: load the cache (with
// the memo of 16000 files and 8 records), resolve requests, compute keys,
// decide (no existence check) — nothing to build or save.
func BenchmarkNoChange(b *testing.B) {
	dir := benchFixture(b)
	cfg := filepath.Join(b.TempDir(), "devspace.yaml")
	cache, _ := LoadCache(cfg)
	reqs := benchRequests(b, dir)
	if err := NewHasher(cache.Memo()).Keys(context.Background(), reqs); err != nil {
		b.Fatal(err)
	}
	for _, r := range reqs {
		cache.RecordBuild(r, Result{ID: "sha256:x"})
	}
	if err := cache.Save(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		cache, warn := LoadCache(cfg)
		if warn != nil {
			b.Fatal(warn)
		}
		reqs := benchRequests(b, dir)
		if err := NewHasher(cache.Memo()).Keys(context.Background(), reqs); err != nil {
			b.Fatal(err)
		}
		ds, err := DecideAll(context.Background(), reqs, cache, DecideOptions{})
		if err != nil || ds[0].Rebuild {
			b.Fatalf("decision %v, %v", ds[0], err)
		}
		if err := cache.Save(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/op")
}

// BenchmarkCacheSave records one image and one changed file and saves: lock,
// re-read, merge and atomic write of cache.json and of a 16000-file memo.
func BenchmarkCacheSave(b *testing.B) {
	cfg := filepath.Join(b.TempDir(), "devspace.yaml")
	cache, _ := LoadCache(cfg)
	for i := range benchImages * benchFiles {
		cache.memo.store(fileID{1, uint64(i)}, stamp{}, [32]byte{})
	}
	i := 0
	for b.Loop() {
		i++
		cache.memo.store(fileID{2, uint64(i)}, stamp{}, [32]byte{})
		cache.Record("app", ImageRecord{Key: "k", Files: make([]byte, 16*benchFiles)})
		if err := cache.Save(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSchedule measures the scheduler's own overhead for 50 images
// with a no-op builder.
func BenchmarkSchedule(b *testing.B) {
	reqs := requests()
	for i := range 50 {
		reqs = append(reqs, Request{Name: fmt.Sprint("img", i), Key: fmt.Sprint(i)})
	}
	lim := NewLimiter(0)
	nop := BuilderFunc(func(context.Context, Request) (Result, error) { return Result{}, nil })
	for b.Loop() {
		if _, err := Schedule(context.Background(), reqs, nop, ScheduleOptions{Limiter: lim}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSchedule50Goroutines reports the most goroutines alive while 50
// builds that each take a moment run under the default limit: the
// scheduler's own goroutines must stay bounded, not one blocked per image
// beyond the limit's waiters.
func BenchmarkSchedule50Goroutines(b *testing.B) {
	var reqs []Request
	for i := range 50 {
		reqs = append(reqs, Request{Name: fmt.Sprint("img", i), Key: fmt.Sprint(i)})
	}
	base := runtime.NumGoroutine()
	var peak atomic.Int64
	slow := BuilderFunc(func(context.Context, Request) (Result, error) {
		n := int64(runtime.NumGoroutine())
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(time.Millisecond)
		return Result{}, nil
	})
	for b.Loop() {
		if _, err := Schedule(context.Background(), reqs, slow, ScheduleOptions{Limiter: NewLimiter(0)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peak.Load()-int64(base)), "peak-goroutines")
}
