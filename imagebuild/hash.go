package imagebuild

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Hasher computes build keys. It stats and hashes context files in parallel
// (across files and across images) under one bound, and consults its Memo so
// files unchanged since an earlier run are not read. Use one Hasher per run;
// it is safe for concurrent use.
type Hasher struct {
	memo *Memo
	// slots bounds concurrent stat+hash work across all images.
	slots chan struct{}
	// racyWindow: a file changed this recently is hashed but not memoized,
	// since a second change within the file system's timestamp granularity
	// could leave size, mtime and ctime unchanged. fineRacyWindow replaces
	// it for files whose timestamps show sub-second precision (see settled).
	racyWindow, fineRacyWindow time.Duration
	// Progress, when set, is called as the files of a context with more
	// than ProgressThreshold entries are hashed: name is the image, done of
	// total entries, total 0 while the context is still being listed. It
	// may be called from several goroutines at once.
	Progress func(name string, done, total int)
	// OmitFiles, when set, picks the requests whose Files (and Named)
	// Key and Keys leave unset: their keys are computed as their contexts
	// are walked, without a list of the entries (a large context's list
	// is most of a no-change run's memory). Files sets them for the
	// requests that turn out to need them.
	OmitFiles func(*Request) bool

	entries, reads, bytesRead atomic.Int64
}

// HashStats counts a Hasher's work so far.
type HashStats struct {
	// Entries is the number of context entries stat'ed.
	Entries int64
	// Reads is the number of files whose content was read (memo misses).
	Reads int64
	// Bytes is the number of bytes read.
	Bytes int64
}

// Stats returns the work done so far.
func (h *Hasher) Stats() HashStats {
	return HashStats{Entries: h.entries.Load(), Reads: h.reads.Load(), Bytes: h.bytesRead.Load()}
}

// ProgressThreshold is the context size from which Hasher.Progress is called.
const ProgressThreshold = 5000

const hashChunk = 64

// NewHasher returns a Hasher that uses memo (nil: read every file).
func NewHasher(memo *Memo) *Hasher {
	return &Hasher{
		memo:           memo,
		slots:          make(chan struct{}, max(4, 2*runtime.GOMAXPROCS(0))),
		racyWindow:     2 * time.Second,
		fineRacyWindow: 100 * time.Millisecond,
	}
}

// ContextFiles lists and hashes the build context of a Dockerfile after
// .dockerignore (see IgnorePatterns), sorted by path: exactly what the build
// key covers and what builders should send.
func ContextFiles(ctx context.Context, contextDir, dockerfile string) ([]ContextFile, error) {
	return NewHasher(nil).ContextFiles(ctx, contextDir, dockerfile)
}

// ContextFiles is the package-level ContextFiles, using h's memo and bound.
func (h *Hasher) ContextFiles(ctx context.Context, contextDir, dockerfile string) ([]ContextFile, error) {
	patterns, _, err := IgnorePatterns(contextDir, dockerfile)
	if err != nil {
		return nil, err
	}
	return h.streamContext(ctx, "", contextDir, patterns, io.Discard, true)
}

// hashEntries stats and hashes the entries of walkGlobs in chunks, in
// parallel; entries that vanished meanwhile and sockets are dropped.
func (h *Hasher) hashEntries(ctx context.Context, name string, w walk) ([]ContextFile, error) {
	entries := w.entries
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	start := time.Now()
	files := make([]ContextFile, len(entries))
	keep := make([]bool, len(entries))
	var wg sync.WaitGroup
	var done atomic.Int64
	for lo := 0; lo < len(entries); lo += hashChunk {
		if h.acquire(ctx) != nil {
			break
		}
		hi := min(lo+hashChunk, len(entries))
		wg.Go(func() {
			defer func() { <-h.slots }()
			dirs := dirCursor{paths: w.dirs, at: -1}
			defer dirs.close()
			for i := lo; i < hi && ctx.Err() == nil; i++ {
				var err error
				if files[i], keep[i], err = h.hashEntry(&dirs, entries[i], start); err != nil {
					cancel(err)
				}
			}
			if n := done.Add(int64(hi - lo)); h.Progress != nil && len(entries) > ProgressThreshold {
				h.Progress(name, int(n), len(entries))
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	out := files[:0]
	for i, f := range files {
		if keep[i] {
			out = append(out, f)
		}
	}
	return out, nil
}

// keeps says whether Key keeps r's Files.
func (h *Hasher) keeps(r *Request) bool { return h.OmitFiles == nil || !h.OmitFiles(r) }

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		if err := ctx.Err(); err != nil {
			<-h.slots
			return err
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// dirCursor keeps the directory of the entries being hashed open: a chunk's
// entries, sorted by path, mostly share one.
type dirCursor struct {
	paths []string
	at    int32
	cur   contextDir
	err   error
	// memoHint is where the chunk's last memo lookup found its record.
	memoHint int
}

func (c *dirCursor) open(i int32) (contextDir, error) {
	if i != c.at {
		c.close()
		c.at = i
		c.cur, c.err = openContextDir(c.paths[i])
	}
	return c.cur, c.err
}

func (c *dirCursor) close() {
	if c.at >= 0 && c.err == nil {
		c.cur.close()
	}
	c.at = -1
}

func (h *Hasher) hashEntry(dirs *dirCursor, e walkEntry, start time.Time) (ContextFile, bool, error) {
	dir, err := dirs.open(e.dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return ContextFile{}, false, nil
		}
		return ContextFile{}, false, &entryError{op: "stat", rel: e.rel, err: err}
	}
	f, ok, err := h.hashAt(dir, e.name, start, &dirs.memoHint)
	if err != nil {
		err.(*entryError).rel = e.rel
		return ContextFile{}, false, err
	}
	f.Path = e.rel
	return f, ok, nil
}

// hashAt stats the entry name of dir and hashes it (from the memo when it
// can), all but its Path; ok is false for an entry that vanished meanwhile
// and for a socket, which are left out of a context. An error is an
// *entryError without its path.
func (h *Hasher) hashAt(dir contextDir, name string, start time.Time, memoHint *int) (f ContextFile, ok bool, err error) {
	fst, err := dir.lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return ContextFile{}, false, nil
	} else if err != nil {
		return ContextFile{}, false, &entryError{op: "stat", err: err}
	}
	f.Mode = fst.mode
	switch {
	case fst.mode.IsRegular():
		f.Size = fst.st.size
		f.Digest, err = h.fileDigest(dir, name, fst, start, memoHint)
	case fst.mode&fs.ModeSymlink != 0:
		f.Link, err = dir.readlink(name)
		f.Digest = sha256.Sum256([]byte(f.Link))
	case fst.mode&fs.ModeSocket != 0:
		return ContextFile{}, false, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return ContextFile{}, false, nil
	} else if err != nil {
		return ContextFile{}, false, &entryError{op: "hash", err: err}
	}
	return f, true, nil
}

// entryError is a context entry that could not be stat'ed (op "stat") or
// read ("hash").
type entryError struct {
	op, rel string
	err     error
}

func (e *entryError) Error() string { return e.op + " context file " + e.rel + ": " + e.err.Error() }
func (e *entryError) Unwrap() error { return e.err }

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

func (h *Hasher) fileDigest(dir contextDir, name string, fst fileStat, start time.Time, memoHint *int) ([32]byte, error) {
	memoable := fst.memoable && h.memo != nil
	if memoable {
		if d, ok := h.memo.lookupNear(fst.id, fst.st, memoHint); ok {
			return d, nil
		}
	}
	sum := sha256.New()
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	n, err := dir.hashFile(name, sum, *buf)
	if err != nil {
		return [32]byte{}, err
	}
	h.reads.Add(1)
	h.bytesRead.Add(n)
	var d [32]byte
	sum.Sum(d[:0])
	if memoable && h.settled(start, fst.st) {
		h.memo.store(fst.id, fst.st, d)
	}
	return d, nil
}

// settled says whether a file last changed long enough before start that a
// further change must show in its stamp. A ctime with a sub-second part
// comes from a file system keeping nanoseconds, which Linux stamps from a
// clock that ticks at least every 10 ms, so fineRacyWindow is ample there;
// the full racyWindow stays for whole-second (or coarser) file systems.
// Why it matters: a CI job clones and then runs devspace within a second
// or two, and a 2 s window would memoize nothing in that first run, so
// every later command of the job would read every file again.
func (h *Hasher) settled(start time.Time, st stamp) bool {
	window := h.racyWindow
	if st.ctime%int64(time.Second) != 0 {
		window = min(window, h.fineRacyWindow)
	}
	return start.UnixNano()-max(st.mtime, st.ctime) > int64(window)
}
