package docker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/moby/moby/api/types/jsonstream"
)

// message is one JSON message of the daemon's build and push streams.
type message struct {
	Stream   string               `json:"stream"`
	Status   string               `json:"status"`
	ID       string               `json:"id"`
	Progress *jsonstream.Progress `json:"progressDetail"`
	Detail   *jsonstream.Error    `json:"errorDetail"`
	Error    string               `json:"error"`
	Aux      json.RawMessage      `json:"aux"`
}

// StreamError is a failure the daemon reported inside a build or push
// stream (a failing RUN step, a rejected push), as opposed to a failed
// API call.
type StreamError struct {
	Message string
	// Code is the exit code of a failing RUN step, when the daemon says.
	Code int
}

func (e *StreamError) Error() string { return e.Message }

// readStream decodes the daemon's JSON messages from r until it ends,
// writes their text to out as lines (progress-bar updates are left out),
// hands every message to observe (when not nil), and returns the first
// error message as a *StreamError.
func readStream(r io.Reader, out *lineWriter, observe func(*message)) error {
	dec := json.NewDecoder(r)
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			out.Flush()
			return nil
		} else if err != nil {
			out.Flush()
			return fmt.Errorf("reading the daemon's output: %w", err)
		}
		if observe != nil {
			observe(&m)
		}
		if m.Detail != nil || m.Error != "" {
			out.Flush()
			e := &StreamError{Message: m.Error}
			if m.Detail != nil {
				e.Code = m.Detail.Code
				if m.Detail.Message != "" {
					e.Message = m.Detail.Message
				}
			}
			return e
		}
		switch {
		case m.Stream != "":
			out.Write([]byte(m.Stream))
		case m.Status != "" && (m.Progress == nil || m.Progress.Current == 0 && m.Progress.Total == 0):
			if m.ID != "" {
				out.Line(m.ID + ": " + m.Status)
			} else {
				out.Line(m.Status)
			}
		}
	}
}

// lineWriter writes whole lines to an io.Writer: text without a final
// newline waits for the rest of its line. It is safe for concurrent use;
// lines from different goroutines never mix.
type lineWriter struct {
	mu      sync.Mutex
	w       io.Writer
	partial []byte
}

func newLineWriter(w io.Writer) *lineWriter {
	if w == nil {
		w = io.Discard
	}
	return &lineWriter{w: w}
}

// Write buffers p and writes every line it completes. It never fails:
// output is best effort and must not stop a build.
func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	if i := bytes.LastIndexByte(l.partial, '\n'); i >= 0 {
		_, _ = l.w.Write(bytes.ReplaceAll(l.partial[:i+1], []byte("\r"), nil))
		l.partial = append(l.partial[:0], l.partial[i+1:]...)
	}
	return len(p), nil
}

// Line writes s as one line.
func (l *lineWriter) Line(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, s+"\n")
}

// Flush ends a pending partial line.
func (l *lineWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		_, _ = l.w.Write(append(l.partial, '\n'))
		l.partial = l.partial[:0]
	}
}
