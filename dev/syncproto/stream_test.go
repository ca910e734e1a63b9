package syncproto

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFileStreamFromFiles: files added with AddFile are framed by
// WriteFrame exactly as Add of ReadFile's content and WriteFrame of
// Bytes frame them, also after a Reset that keeps the buffer.
func TestFileStreamFromFiles(t *testing.T) {
	root := t.TempDir()
	contents := map[string]string{"a": "one", "d/b": "", "d/c": strings.Repeat("x", 100_000)}
	for name, data := range contents {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var streamed FileStream
	for round := range 2 {
		var built FileStream
		for _, name := range []string{"d/c", "a", "d/b"} {
			x := Expect{Path: name, Any: true}
			e, err := streamed.AddFile(root, name, x)
			if err != nil || e.Size != int64(len(contents[name])) {
				t.Fatalf("AddFile %s: %v, %+v", name, err, e)
			}
			data, e2, err := ReadFile(root, name)
			if err != nil {
				t.Fatal(err)
			}
			built.Add(FileHeader{Entry: *e2, Expect: x}, data)
		}
		if _, err := streamed.AddFile(root, "missing", Expect{}); err == nil {
			t.Fatal("AddFile of a missing file: no error")
		}
		var got, want bytes.Buffer
		if err := streamed.WriteFrame(&got, Put); err != nil {
			t.Fatal(err)
		}
		payload, err := built.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteFrame(&want, Put, payload); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("round %d: WriteFrame differs from WriteFrame(Bytes()): %d bytes, want %d", round, got.Len(), want.Len())
		}
		typ, data, err := ReadFrame(&got)
		if err != nil || typ != Put {
			t.Fatalf("read back: %q, %v", typ, err)
		}
		hs, bodies, err := ReadFileStream(data)
		if err != nil || len(hs) != 3 {
			t.Fatalf("read back: %d headers, %v", len(hs), err)
		}
		for i, h := range hs {
			if diff := cmp.Diff(contents[h.Path], string(bodies[i])); diff != "" {
				t.Errorf("round %d: %s (-want +got):\n%s", round, h.Path, diff)
			}
		}
		streamed.Reset()
	}
}

// BenchmarkFileStreamBatch fills a 1 MiB batch of 10 KiB files and
// writes it, reusing one stream: the content is read into the stream's
// buffer, not allocated per file or per batch.
func BenchmarkFileStreamBatch(b *testing.B) {
	root := b.TempDir()
	data := bytes.Repeat([]byte("x"), 10<<10)
	var names []string
	for i := range 100 {
		name := filepath.Join("d", strings.Repeat("f", i%7+1)+string(rune('a'+i%26))+string(rune('a'+i/26)))
		names = append(names, filepath.ToSlash(name))
		if err := os.MkdirAll(filepath.Join(root, "d"), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var s FileStream
	b.ReportAllocs()
	for b.Loop() {
		for _, name := range names {
			if _, err := s.AddFile(root, name, Expect{Path: name}); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.WriteFrame(&discard{}, Put); err != nil {
			b.Fatal(err)
		}
		s.Reset()
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
