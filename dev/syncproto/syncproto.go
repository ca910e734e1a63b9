// Package syncproto is what both ends of the file sync share: the framed
// protocol spoken over the sync agent's stdin and stdout, the file states
// the two sides compare, and atomic file writes. It imports only the
// standard library, so that the agent built from it stays small.
//
// A frame is a 4-byte big-endian payload length, a 1-byte type and the
// payload. The local side sends requests; the agent answers each with
// exactly one response, in order. Besides responses the agent sends
// Changes frames whenever its tree changes (not for its own writes) and,
// before exiting on a fatal error, an Error frame.
package syncproto

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Version is sent in the agent's Hello; the local side refuses another.
const Version = "devspace-sync-agent/1"

// Frame types. Requests are upper case, their responses lower case.
const (
	Hello    byte = 'v' // agent → local, first frame: Version
	List     byte = 'L' // → Listing: JSON []Entry of every regular file
	Listing  byte = 'l'
	Hash     byte = 'H' // JSON []string → Hashes: JSON map path → sha256 hex
	Hashes   byte = 'h'
	Put      byte = 'P' // a file stream (WriteFiles) → Results
	Delete   byte = 'D' // JSON []Expect → Results
	Get      byte = 'G' // JSON []string → Files: a file stream
	Files    byte = 'g'
	Results  byte = 'r' // JSON []Result
	Changes  byte = 'c' // agent → local, unsolicited: JSON []Change
	ErrorMsg byte = 'e' // agent → local: a fatal error, then it exits
)

// MaxFrame bounds a frame's payload; larger batches are split.
const MaxFrame = 1 << 30

// TempPrefix starts the names of the files an atomic write creates
// before renaming them; both sides ignore such files.
const TempPrefix = ".devspace-sync-tmp-"

// Entry is the state of one regular file: path (slash-separated,
// relative to the sync root), size, modification time in Unix
// nanoseconds and permission bits.
type Entry struct {
	Path  string `json:"p"`
	Size  int64  `json:"s"`
	MTime int64  `json:"m"`
	Mode  uint32 `json:"x,omitempty"`
}

// Same reports whether two states are the same content as far as size
// and modification time tell.
func (e *Entry) Same(o *Entry) bool {
	if e == nil || o == nil {
		return e == nil && o == nil
	}
	return e.Size == o.Size && e.MTime == o.MTime
}

// Change is one file that changed in the agent's tree; Entry nil means
// it is gone.
type Change struct {
	Path  string `json:"p"`
	Entry *Entry `json:"e,omitempty"`
}

// Expect is a precondition on a path: the file must be in state Entry,
// or absent when Entry is nil. Any skips the check.
type Expect struct {
	Path  string `json:"p"`
	Entry *Entry `json:"e,omitempty"`
	Any   bool   `json:"any,omitempty"`
}

// Holds reports whether the current state cur meets the precondition.
func (x Expect) Holds(cur *Entry) bool { return x.Any || x.Entry.Same(cur) }

// Result is the outcome for one path of a Put or Delete: the new state
// (nil after a delete), or, when the precondition failed, Conflict and
// the state found; Err when the write itself failed.
type Result struct {
	Path     string `json:"p"`
	Entry    *Entry `json:"e,omitempty"`
	Conflict bool   `json:"c,omitempty"`
	Current  *Entry `json:"cur,omitempty"`
	Err      string `json:"err,omitempty"`
}

// WriteFrame writes one frame.
func WriteFrame(w io.Writer, typ byte, payload []byte) error {
	if len(payload) > MaxFrame {
		return fmt.Errorf("frame of %d bytes is larger than %d", len(payload), MaxFrame)
	}
	var hdr [5]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(payload)))
	hdr[4] = typ
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

// WriteJSON writes a frame whose payload is v as JSON.
func WriteJSON(w io.Writer, typ byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return WriteFrame(w, typ, data)
}

// ReadFrame reads one frame; io.EOF when the stream ended between frames.
func ReadFrame(r io.Reader) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil, fmt.Errorf("truncated frame: %w", err)
		}
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n > MaxFrame {
		return 0, nil, fmt.Errorf("frame of %d bytes is larger than %d", n, MaxFrame)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, fmt.Errorf("truncated frame: %w", err)
	}
	return hdr[4], payload, nil
}
