// Package linesplit turns output into lines for observers (devspace ui's
// build and container logs), each line bounded: output without newlines
// (a progress bar redrawn with \r, a binary dump) must become neither one
// huge line nor a buffer that grows until its newline.
package linesplit

import (
	"bytes"
	"strings"
	"sync"
	"unicode/utf8"
)

// Writer calls emit with each line written to it, without its "\n" or
// "\r\n". A line longer than max bytes is emitted once, cut at max (on a
// whole character) and marked "…"; the rest of it, up to its newline, is
// dropped. It is safe for concurrent use.
type Writer struct {
	mu      sync.Mutex
	max     int
	emit    func(line string)
	partial []byte
	// long says the line under way was emitted cut: the rest is dropped.
	long bool
}

// New returns a Writer of lines of at most max bytes (plus the mark).
func New(max int, emit func(line string)) *Writer {
	return &Writer{max: max, emit: emit}
}

// Write never fails.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		part := p
		if i >= 0 {
			part = p[:i]
		}
		if !w.long {
			w.partial = append(w.partial, part[:min(len(part), w.max+1-len(w.partial))]...)
			if len(w.partial) > w.max {
				w.send(cut(w.partial, w.max))
				w.partial, w.long = w.partial[:0], true
			}
		}
		if i < 0 {
			break
		}
		if !w.long {
			w.send(string(w.partial))
		}
		w.partial, w.long, p = w.partial[:0], false, p[i+1:]
	}
	return n, nil
}

// Flush emits the last line, when it has no newline.
func (w *Writer) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 && !w.long {
		w.send(string(w.partial))
	}
	w.partial, w.long = nil, false
}

// Held is how many bytes wait for their newline.
func (w *Writer) Held() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.partial)
}

func (w *Writer) send(line string) {
	w.emit(strings.TrimSuffix(line, "\r"))
}

// cut is the first max bytes of line (whole characters), marked as cut.
func cut(line []byte, max int) string {
	end := max
	for end > 0 && !utf8.RuneStart(line[end]) {
		end--
	}
	return string(line[:end]) + "…"
}
