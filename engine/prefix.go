package engine

import (
	"bytes"
	"io"
	"reflect"
	"sync"
)

// PrefixWriter writes whole lines, each prefixed, under a lock shared by
// every pipeline that writes to the same output, so lines of concurrent
// pipelines never interleave mid-line.
type PrefixWriter struct {
	// SkipBlank drops empty lines (build progress separates steps with
	// them, which reads badly once every line carries a prefix).
	SkipBlank bool

	mu     *sync.Mutex
	out    io.Writer
	prefix []byte

	bufMu sync.Mutex // a script may write from several goroutines (`&`, pipes)
	buf   []byte
}

func NewPrefixWriter(mu *sync.Mutex, out io.Writer, prefix string) *PrefixWriter {
	return &PrefixWriter{mu: mu, out: out, prefix: []byte(prefix)}
}

func (w *PrefixWriter) Write(p []byte) (int, error) {
	w.bufMu.Lock()
	defer w.bufMu.Unlock()
	w.buf = append(w.buf, p...)
	i := bytes.LastIndexByte(w.buf, '\n')
	if i < 0 {
		return len(p), nil
	}
	lines := w.buf[:i+1]
	if err := w.writeLines(lines); err != nil {
		return 0, err
	}
	w.buf = append(w.buf[:0], w.buf[i+1:]...)
	return len(p), nil
}

// Flush writes a last line that has no newline.
func (w *PrefixWriter) Flush() error {
	w.bufMu.Lock()
	defer w.bufMu.Unlock()
	if len(w.buf) == 0 {
		return nil
	}
	err := w.writeLines(append(w.buf, '\n'))
	w.buf = w.buf[:0]
	return err
}

func (w *PrefixWriter) writeLines(lines []byte) error {
	var out bytes.Buffer
	for len(lines) > 0 {
		i := bytes.IndexByte(lines, '\n')
		line := lines[:i+1]
		lines = lines[i+1:]
		if w.SkipBlank && len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		out.Write(w.prefix)
		out.Write(line)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err := w.out.Write(out.Bytes())
	return err
}

// prefixed returns a writer that prefixes every line written to out (an
// empty prefix only keeps lines whole), sharing one lock with every other
// writer the engine made for the same destination. Call Flush when done.
func (e *Engine) prefixed(out io.Writer, prefix string) *PrefixWriter {
	return NewPrefixWriter(e.lockFor(out), out, prefix)
}

// lockFor returns the lock of a destination writer. Locks are per
// destination, not global: a prefixed writer whose output is itself a
// prefixed writer (nested run_pipelines) must not wait for its own lock.
func (e *Engine) lockFor(out io.Writer) *sync.Mutex {
	if t := reflect.TypeOf(out); t == nil || !t.Comparable() {
		return &e.outMu // cannot key a map by it; never nested in practice
	}
	e.outMu.Lock()
	defer e.outMu.Unlock()
	if e.outLocks == nil {
		e.outLocks = map[any]*sync.Mutex{}
	}
	mu, ok := e.outLocks[out]
	if !ok {
		mu = &sync.Mutex{}
		e.outLocks[out] = mu
	}
	return mu
}
