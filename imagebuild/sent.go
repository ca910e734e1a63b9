package imagebuild

import (
	"io"
	"sync/atomic"
)

// Sent counts the bytes of build context a builder sent to where the
// image builds: the tar stream to the Docker Engine's classic builder or
// to kaniko (as sent: kaniko's is gzipped), the files a BuildKit session
// served (only those the daemon asked for: the changed ones). It is
// counted as the bytes pass, never estimated from the files. Safe for
// concurrent use; a nil *Sent counts nothing.
type Sent struct {
	n       atomic.Int64
	counted atomic.Bool
}

// Add counts n more bytes sent; Add(0) says the builder counts, having
// sent nothing.
func (s *Sent) Add(n int64) {
	if s == nil {
		return
	}
	s.counted.Store(true)
	s.n.Add(n)
}

// Bytes is what was sent so far, and whether the builder counted at all
// (a custom command's build is not seen).
func (s *Sent) Bytes() (n int64, counted bool) {
	if s == nil {
		return 0, false
	}
	return s.n.Load(), s.counted.Load()
}

// Writer counts what is written through it to w; on a nil *Sent it is w.
func (s *Sent) Writer(w io.Writer) io.Writer {
	if s == nil {
		return w
	}
	s.Add(0)
	return sentWriter{w: w, s: s}
}

type sentWriter struct {
	w io.Writer
	s *Sent
}

func (c sentWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.s.Add(int64(n))
	return n, err
}
