package redact

import (
	"io"
	"sync"
)

// Writer masks the secret values of a Set in what passes through it. A
// value cut between two writes is still masked: the end of a write that
// could be the start of a secret is held back until the next write or
// Flush. Safe for concurrent use.
type Writer struct {
	// Interactive turns holding back off, for a terminal, where a typed
	// character echoed back must show at once; only values written whole
	// in one write are masked then.
	Interactive bool

	set *Set
	mu  sync.Mutex
	out io.Writer
	// held is the end of the last write that may start a secret.
	held []byte
}

// Writer returns a Writer that masks s's values on their way to w.
func (s *Set) Writer(w io.Writer) *Writer {
	return &Writer{set: s, out: w}
}

// Write masks secrets in p and writes what is safe to write; it reports
// all of p as written unless the underlying writer fails.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.held) == 0 && w.set.Len() == 0 {
		return w.out.Write(p)
	}
	buf := append(w.held, p...)
	text := []byte(w.set.Redact(string(buf)))
	keep := 0
	if !w.Interactive {
		keep = w.set.longestPrefixSuffix(text)
	}
	w.held = append([]byte(nil), text[len(text)-keep:]...)
	if out := text[:len(text)-keep]; len(out) > 0 {
		if _, err := w.out.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes what was held back (it was no secret after all).
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.held) == 0 {
		return nil
	}
	held := w.held
	w.held = nil
	_, err := w.out.Write(held)
	return err
}
