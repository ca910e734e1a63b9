package syncproto

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// FileHeader describes one file of a file stream (Put, Files): its new
// state and, for a Put, the precondition on what it replaces.
type FileHeader struct {
	Entry
	Expect Expect `json:"x"`
}

// FileStream builds the payload of a Put or Files frame: a 4-byte
// length, the JSON list of headers, then the contents in that order.
// Its content buffer is kept across Reset, so a sender that sends many
// batches reuses one buffer instead of allocating one per batch.
type FileStream struct {
	headers []FileHeader
	body    bytes.Buffer
}

// Add appends a file.
func (s *FileStream) Add(h FileHeader, data []byte) {
	h.Size = int64(len(data))
	s.headers = append(s.headers, h)
	s.body.Write(data)
}

// AddFile reads root/rel straight into the stream (as ReadFile does,
// with the state that goes with the content read) and appends it with
// the precondition x. It returns that state.
func (s *FileStream) AddFile(root, rel string, x Expect) (*Entry, error) {
	start := s.body.Len()
	data, e, err := readFileAppend(s.body.AvailableBuffer(), root, rel)
	if err != nil {
		s.body.Truncate(start)
		return nil, err
	}
	s.body.Write(data) // data is the buffer's own free space: no copy
	h := FileHeader{Entry: *e, Expect: x}
	h.Size = int64(len(data))
	s.headers = append(s.headers, h)
	return e, nil
}

// Len is the number of files and Size the bytes of content so far.
func (s *FileStream) Len() int  { return len(s.headers) }
func (s *FileStream) Size() int { return s.body.Len() }

// Reset empties the stream, keeping its buffer.
func (s *FileStream) Reset() {
	s.headers = s.headers[:0]
	s.body.Reset()
}

// Bytes is the payload.
func (s *FileStream) Bytes() ([]byte, error) {
	hdr, err := json.Marshal(s.headers)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 4, 4+len(hdr)+s.body.Len())
	binary.BigEndian.PutUint32(out, uint32(len(hdr)))
	out = append(out, hdr...)
	return append(out, s.body.Bytes()...), nil
}

// WriteFrame writes the stream as one frame of type typ, as WriteFrame
// would write Bytes, without making the payload in one piece.
func (s *FileStream) WriteFrame(w io.Writer, typ byte) error {
	hdr, err := json.Marshal(s.headers)
	if err != nil {
		return err
	}
	n := 4 + len(hdr) + s.body.Len()
	if n > MaxFrame {
		return fmt.Errorf("frame of %d bytes is larger than %d", n, MaxFrame)
	}
	var head [9]byte
	binary.BigEndian.PutUint32(head[:4], uint32(n))
	head[4] = typ
	binary.BigEndian.PutUint32(head[5:], uint32(len(hdr)))
	for _, part := range [][]byte{head[:], hdr, s.body.Bytes()} {
		if _, err := w.Write(part); err != nil {
			return err
		}
	}
	return nil
}

// ReadFileStream splits a Put or Files payload into headers and contents
// (slices of payload).
func ReadFileStream(payload []byte) ([]FileHeader, [][]byte, error) {
	if len(payload) < 4 {
		return nil, nil, errors.New("file stream: short payload")
	}
	n := int(binary.BigEndian.Uint32(payload))
	if n > len(payload)-4 {
		return nil, nil, errors.New("file stream: header list past the end")
	}
	var hs []FileHeader
	if err := json.Unmarshal(payload[4:4+n], &hs); err != nil {
		return nil, nil, fmt.Errorf("file stream: %w", err)
	}
	rest := payload[4+n:]
	bodies := make([][]byte, len(hs))
	for i, h := range hs {
		if h.Size < 0 || h.Size > int64(len(rest)) {
			return nil, nil, fmt.Errorf("file stream: %s: content past the end", h.Path)
		}
		if err := CheckPath(h.Path); err != nil {
			return nil, nil, err
		}
		bodies[i], rest = rest[:h.Size], rest[h.Size:]
	}
	return hs, bodies, nil
}

// CheckPath refuses paths that leave the sync root.
func CheckPath(rel string) error {
	if rel == "" || path.IsAbs(rel) || path.Clean(rel) != rel || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("path %q is not inside the sync root", rel)
	}
	return nil
}

// Stat returns the state of root/rel, nil when it is not a regular file
// (absent, or a directory, link, …).
func Stat(root, rel string) *Entry {
	info, err := os.Lstat(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil || !info.Mode().IsRegular() {
		return nil
	}
	return EntryOf(rel, info)
}

// EntryOf makes the state of a file from its FileInfo.
func EntryOf(rel string, info fs.FileInfo) *Entry {
	return &Entry{Path: rel, Size: info.Size(), MTime: info.ModTime().UnixNano(), Mode: uint32(info.Mode().Perm())}
}

// WriteFile writes data to root/rel atomically (a temporary file in the
// same directory, renamed over it), with the mode and modification time
// of h, creating parent directories. It returns the name and state written. When
// divert is not nil, it is called just before the rename with the current
// state of the target and returns the name to write instead (the
// caller's conflict copy) or h.Path.
func WriteFile(root string, h Entry, data []byte, divert func(cur *Entry) string) (string, *Entry, error) {
	dst := filepath.Join(root, filepath.FromSlash(h.Path))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), TempPrefix+"*")
	if err != nil {
		return "", nil, err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	mode := fs.FileMode(h.Mode).Perm()
	if mode == 0 {
		mode = 0o644
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err == nil && h.MTime != 0 {
		t := time.Unix(0, h.MTime)
		err = os.Chtimes(tmp.Name(), t, t)
	}
	if err != nil {
		return "", nil, err
	}
	rel := h.Path
	if divert != nil {
		rel = divert(Stat(root, h.Path))
		dst = filepath.Join(root, filepath.FromSlash(rel))
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", nil, err
	}
	e := Stat(root, rel)
	if e == nil {
		return "", nil, fmt.Errorf("%s vanished after it was written", rel)
	}
	return rel, e, nil
}

// RemoveFile deletes root/rel and then the directories it leaves empty,
// up to (not including) root.
func RemoveFile(root, rel string) error {
	if err := os.Remove(filepath.Join(root, filepath.FromSlash(rel))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for dir := path.Dir(rel); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if os.Remove(filepath.Join(root, filepath.FromSlash(dir))) != nil {
			break
		}
	}
	return nil
}

// HashFile is the sha256 of root/rel in hex ("" when it cannot be read).
func HashFile(root, rel string) string {
	f, err := os.Open(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// IsTemp reports whether rel is a temporary file of an atomic write.
func IsTemp(rel string) bool { return strings.HasPrefix(path.Base(rel), TempPrefix) }

// ReadFile reads root/rel with the state that goes with the content read
// (it reads again when the file changed meanwhile).
func ReadFile(root, rel string) ([]byte, *Entry, error) {
	return readFileAppend(nil, root, rel)
}

// readFileAppend is ReadFile appending the content to buf (whose
// capacity it uses when the file fits) and returning the extended slice.
func readFileAppend(buf []byte, root, rel string) ([]byte, *Entry, error) {
	name := filepath.Join(root, filepath.FromSlash(rel))
	for try := 0; ; try++ {
		f, err := os.Open(name)
		if err != nil {
			return nil, nil, err
		}
		before, err := f.Stat()
		if err != nil || !before.Mode().IsRegular() {
			f.Close()
			return nil, nil, fmt.Errorf("%s is not a regular file", rel)
		}
		data, err := readAll(f, buf[:0:cap(buf)], before.Size())
		after, serr := f.Stat()
		f.Close()
		if err != nil || serr != nil {
			return nil, nil, errors.Join(err, serr)
		}
		e := EntryOf(rel, after)
		if try < 3 && (!e.Same(EntryOf(rel, before)) || e.Size != int64(len(data))) {
			continue
		}
		return data, e, nil
	}
}

// readAll appends r's content to buf, growing it once to the size
// expected (and as needed past it: the file may have grown).
func readAll(r io.Reader, buf []byte, size int64) ([]byte, error) {
	buf = slices.Grow(buf, int(size)+1) // +1: EOF is seen without a grow
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 4096)
		}
	}
}
