package engine

import (
	"io"
	"sync"
)

// CheckedWriter remembers the first error writing to its destination. The
// shell's builtins (echo, printf) ignore write errors, so without it a
// run whose output is lost (a full disk, `> /dev/full`) would succeed.
type CheckedWriter struct {
	dest io.Writer

	mu  sync.Mutex
	err error
}

// NewCheckedWriter wraps dest.
func NewCheckedWriter(dest io.Writer) *CheckedWriter {
	return &CheckedWriter{dest: dest}
}

func (w *CheckedWriter) Write(p []byte) (int, error) {
	n, err := w.dest.Write(p)
	if err != nil {
		w.mu.Lock()
		if w.err == nil {
			w.err = err
		}
		w.mu.Unlock()
	}
	return n, err
}

// Err is the first write error, or nil.
func (w *CheckedWriter) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// ChildWriter is what a child program gets for w: a CheckedWriter's
// destination itself, so that a file stays a file (no pipe and copying
// goroutine in between; the program checks its own writes).
func ChildWriter(w io.Writer) io.Writer {
	if cw, ok := w.(*CheckedWriter); ok {
		return cw.dest
	}
	return w
}
