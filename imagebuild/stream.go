package imagebuild

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moby/patternmatcher"
)

// streamContext walks contextDir after patterns and writes its entries to
// sum in path order, as hashFiles would write the list of them, while the
// entries are stat'ed and hashed in parallel (chunks of hashChunk entries,
// under h's bound). The walk goes directory by directory, each sorted on
// its own, so no list of the whole context is kept or sorted: the entries
// themselves are returned only when keep is set. name is the image, for
// Progress. Entries that vanish meanwhile and sockets are left out;
// directories named .devspace are never part of a context; symlinks are
// listed, not followed.
func (h *Hasher) streamContext(ctx context.Context, name, contextDir string, patterns []string, sum io.Writer, keep bool) ([]ContextFile, error) {
	var pm *patternmatcher.PatternMatcher
	if len(patterns) > 0 {
		var err error
		if pm, err = patternmatcher.New(patterns); err != nil {
			return nil, fmt.Errorf("ignore patterns: %w", err)
		}
	}
	root, err := openContextDir(contextDir)
	if err != nil {
		return nil, fmt.Errorf("read context directory: %w", err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	w := &streamWalker{h: h, ctx: ctx, pm: pm, start: time.Now(),
		ordered: make(chan *streamTask, streamTasks), free: make(chan *streamTask, streamTasks)}
	var walkErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(w.ordered)
		dir := &streamDir{d: root}
		dir.refs.Store(1)
		walkErr = w.dir(dir, patternmatcher.MatchInfo{})
		dir.release()
		if walkErr == nil {
			walkErr = w.flush()
		} else if w.cur != nil {
			w.cur.finish(walkErr)
		}
		w.total.Store(w.listed)
	})
	c := streamConsumer{h: h, name: name, sum: sum, keep: keep, total: &w.total}
	if keep {
		c.files = []ContextFile{}
	}
	for t := range w.ordered {
		<-t.done
		if ctx.Err() == nil {
			if err := c.consume(t); err != nil {
				cancel(err)
			}
		}
		w.free <- t
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	if walkErr != nil {
		return nil, walkErr
	}
	return c.files, nil
}

// streamTasks is how many chunks of a context are in flight at once: what
// bounds a walk's memory, whatever the size of the context.
const streamTasks = 16

// streamDir is an open directory of a context being walked: its entries
// are stat'ed relative to it. It is closed when the walker and every chunk
// with its entries are done with it.
type streamDir struct {
	d    contextDir
	rel  string // relative to the context, slash-separated; "" for the context itself
	refs atomic.Int32
}

func (s *streamDir) release() {
	if s.refs.Add(-1) == 0 {
		s.d.close()
	}
}

// streamEntry is an entry of a directory, named within it.
type streamEntry struct {
	dir  *streamDir
	name string
}

// appendRel appends the entry's path relative to the context.
func (e streamEntry) appendRel(b []byte) []byte {
	if e.dir.rel != "" {
		b = append(append(b, e.dir.rel...), '/')
	}
	return append(b, e.name...)
}

func (e streamEntry) rel() string { return string(e.appendRel(nil)) }

// streamTask is a chunk of consecutive entries (in path order), stat'ed
// and hashed by one goroutine.
type streamTask struct {
	entries []streamEntry
	dirs    []*streamDir // the directories the entries hold a reference to
	files   [hashChunk]ContextFile
	keep    [hashChunk]bool
	err     error
	done    chan struct{}
}

// finish records err, lets go of the task's directories and marks it done.
func (t *streamTask) finish(err error) {
	t.err = err
	for _, d := range t.dirs {
		d.release()
	}
	close(t.done)
}

// streamWalker lists a context's directories in path order and hands out
// their entries in chunks.
type streamWalker struct {
	h      *Hasher
	ctx    context.Context
	pm     *patternmatcher.PatternMatcher
	start  time.Time
	lister dirLister
	relBuf []byte
	names  []byte
	found  []streamListed
	// levels[i] is the directory being walked at depth i, reused for the
	// next one there.
	levels []*streamLevel
	depth  int

	ordered, free chan *streamTask
	made          int
	cur           *streamTask
	listed        int64
	total         atomic.Int64 // listed, once the listing is complete
}

// streamItem is a directory's entry, or (descend) the part of the walk
// below one of its subdirectories, sorted as "name/": an entry's whole
// path sorts with its directory's siblings by these keys.
type streamItem struct {
	key     string
	descend bool
	info    int32 // of a descend item: its index in the level's infos
}

func (it streamItem) name() string {
	if it.descend {
		return it.key[:len(it.key)-1]
	}
	return it.key
}

// streamLevel holds the sorted items of the directory being walked at one
// depth, reused for the next directory at that depth.
type streamLevel struct {
	items []streamItem
	infos []patternmatcher.MatchInfo
}

// streamListed is an entry as listed: where its name ends in the
// walker's names, whether it is kept and whether to walk below it.
type streamListed struct {
	end            int32
	entry, descend bool
	info           int32
}

func (w *streamWalker) dir(d *streamDir, parent patternmatcher.MatchInfo) error {
	if w.depth == len(w.levels) {
		w.levels = append(w.levels, &streamLevel{})
	}
	lv := w.levels[w.depth]
	w.depth++
	defer func() { w.depth-- }()
	if err := w.list(d, parent, lv); err != nil {
		return err
	}
	for _, it := range lv.items {
		if !it.descend {
			if err := w.add(streamEntry{dir: d, name: it.key}); err != nil {
				return err
			}
			continue
		}
		name := it.name()
		sub, err := d.d.openSub(name)
		if err != nil {
			return fmt.Errorf("read context directory: %w", err)
		}
		child := &streamDir{d: sub, rel: streamEntry{dir: d, name: name}.rel()}
		child.refs.Store(1)
		err = w.dir(child, lv.infos[it.info])
		child.release()
		if err != nil {
			return err
		}
	}
	return nil
}

// list puts the directory's entries that the patterns keep and the
// subdirectories to walk into lv, sorted.
func (w *streamWalker) list(d *streamDir, parent patternmatcher.MatchInfo, lv *streamLevel) error {
	names, found := w.names[:0], w.found[:0]
	lv.items, lv.infos = lv.items[:0], lv.infos[:0]
	var matchErr error
	err := w.lister.list(d.d, func(name []byte, isDir bool) error {
		if isDir && string(name) == ".devspace" {
			return nil
		}
		excluded, info := false, patternmatcher.MatchInfo{}
		if w.pm != nil {
			w.relBuf = streamEntry{dir: d}.appendRel(w.relBuf[:0])
			w.relBuf = append(w.relBuf, name...)
			rel := string(w.relBuf)
			var err error
			if excluded, info, err = w.pm.MatchesUsingParentResults(rel, parent); err != nil {
				matchErr = fmt.Errorf("match %s against .dockerignore: %w", rel, err)
				return matchErr
			}
			if excluded && !(isDir && mayReinclude(w.pm, rel)) {
				return nil
			}
		}
		names = append(names, name...)
		l := streamListed{end: int32(len(names)), entry: !excluded, descend: isDir, info: -1}
		if isDir {
			l.info = int32(len(lv.infos))
			lv.infos = append(lv.infos, info)
		}
		found = append(found, l)
		return nil
	})
	w.names, w.found = names, found
	if matchErr != nil {
		return matchErr
	} else if err != nil {
		return fmt.Errorf("read context directory: %w", err)
	}
	all := string(names) // one string for the directory's names
	start := int32(0)
	for _, f := range found {
		name := all[start:f.end]
		start = f.end
		if f.entry {
			lv.items = append(lv.items, streamItem{key: name})
		}
		if f.descend {
			lv.items = append(lv.items, streamItem{key: name + "/", descend: true, info: f.info})
		}
	}
	slices.SortFunc(lv.items, func(a, b streamItem) int { return strings.Compare(a.key, b.key) })
	w.listed += int64(len(found))
	return nil
}

// mayReinclude says whether an exception pattern (!dir/file) may keep
// something below an excluded directory, as the docker CLI decides it.
func mayReinclude(pm *patternmatcher.PatternMatcher, dir string) bool {
	if !pm.Exclusions() {
		return false
	}
	prefix := dir + "/"
	for _, p := range pm.Patterns() {
		if p.Exclusion() && strings.HasPrefix(filepath.ToSlash(p.String())+"/", prefix) {
			return true
		}
	}
	return false
}

// add puts e into the current chunk, handing the chunk out when it is full.
func (w *streamWalker) add(e streamEntry) error {
	if w.cur == nil {
		t, err := w.task()
		if err != nil {
			return err
		}
		w.cur = t
	}
	t := w.cur
	if n := len(t.dirs); n == 0 || t.dirs[n-1] != e.dir {
		e.dir.refs.Add(1)
		t.dirs = append(t.dirs, e.dir)
	}
	t.entries = append(t.entries, e)
	if len(t.entries) == hashChunk {
		return w.flush()
	}
	return nil
}

// task returns an unused chunk: a new one while fewer than streamTasks
// exist, else one the consumer is done with.
func (w *streamWalker) task() (*streamTask, error) {
	var t *streamTask
	select {
	case t = <-w.free:
	default:
		if w.made < streamTasks {
			w.made++
			t = &streamTask{entries: make([]streamEntry, 0, hashChunk)}
			break
		}
		select {
		case t = <-w.free:
		case <-w.ctx.Done():
			return nil, context.Cause(w.ctx)
		}
	}
	t.entries, t.dirs, t.err, t.done = t.entries[:0], t.dirs[:0], nil, make(chan struct{})
	return t, nil
}

// flush hands the current chunk to a goroutine of its own, under the
// Hasher's bound, and to the consumer, in order.
func (w *streamWalker) flush() error {
	t := w.cur
	if t == nil {
		return nil
	}
	w.cur = nil
	if err := w.h.acquire(w.ctx); err != nil {
		t.finish(err)
		return err
	}
	go func() { // owned by the consumer, which waits for t.done
		defer func() { <-w.h.slots }()
		t.finish(w.hashTask(t))
	}()
	select {
	case w.ordered <- t:
		return nil
	case <-w.ctx.Done():
		<-t.done
		return context.Cause(w.ctx)
	}
}

func (w *streamWalker) hashTask(t *streamTask) error {
	var memoHint int
	for i, e := range t.entries {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		f, ok, err := w.h.hashAt(e.dir.d, e.name, w.start, &memoHint)
		if err != nil {
			err.(*entryError).rel = e.rel()
			return err
		}
		t.files[i], t.keep[i] = f, ok
	}
	w.h.entries.Add(int64(len(t.entries)))
	return nil
}

// streamConsumer writes the chunks' entries to the key's hash, in order.
type streamConsumer struct {
	h     *Hasher
	name  string
	sum   io.Writer
	keep  bool
	files []ContextFile
	total *atomic.Int64
	done  int
	buf   []byte
}

func (c *streamConsumer) consume(t *streamTask) error {
	if t.err != nil {
		return t.err
	}
	for i, e := range t.entries {
		if !t.keep[i] {
			continue
		}
		f := &t.files[i]
		n := len(e.name)
		if e.dir.rel != "" {
			n += len(e.dir.rel) + 1
		}
		// As hashFiles: the path (its length first), mode and digest.
		b := binary.AppendUvarint(c.buf[:0], uint64(n))
		b = e.appendRel(b)
		path := b[len(b)-n:]
		b = binary.BigEndian.AppendUint32(b, uint32(f.Mode))
		b = append(b, f.Digest[:]...)
		c.sum.Write(b)
		c.buf = b
		if c.keep {
			f.Path = string(path)
			c.files = append(c.files, *f)
		}
	}
	c.done += len(t.entries)
	if total := int(c.total.Load()); c.h.Progress != nil && max(c.done, total) > ProgressThreshold {
		c.h.Progress(c.name, c.done, total)
	}
	return nil
}
