package buildimages

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
)

type lines struct {
	mu  sync.Mutex
	got []string
}

func (l *lines) Emit(_ context.Context, name string, data map[string]string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, name+" "+data["line"])
	return nil
}

// An image's log reaches the events a whole line at a time, the last one
// on Flush.
func TestLineEvents(t *testing.T) {
	sink := &lines{}
	l := &lineEvents{events: sink, name: "app"}
	for _, part := range []string{"Step 1", "/2\r\nStep 2/2\n", "Done"} {
		if _, err := l.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "log:build:app Step 1/2|log:build:app Step 2/2|log:build:app Done"
	if got := strings.Join(sink.got, "|"); got != want {
		t.Errorf("events %q, want %q", got, want)
	}
}

// A line longer than maxEventLine (a progress bar redrawn with \r, never
// a newline) is reported once, cut, and the rest of it dropped: neither
// the event nor what is held for the newline grows with it.
func TestLineEventsCutLongLines(t *testing.T) {
	sink := &lines{}
	l := &lineEvents{events: sink, name: "app"}
	bar := strings.Repeat("é", 512) + "\r" // 1 KiB a redraw
	for range 1000 {
		if _, err := l.Write([]byte(bar)); err != nil {
			t.Fatal(err)
		}
		if len(l.partial) > maxEventLine {
			t.Fatalf("%d bytes held for the newline, want at most %d", len(l.partial), maxEventLine)
		}
	}
	if _, err := l.Write([]byte("\nnext\nlast")); err != nil {
		t.Fatal(err)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	// A redraw is 1025 bytes: the cut at 4096 bytes falls in the 511th é of
	// the 4th, and goes back to the character's start.
	cut := strings.Repeat(strings.Repeat("é", 512)+"\r", 3) + strings.Repeat("é", 510) + "…"
	want := []string{"log:build:app " + cut, "log:build:app next", "log:build:app last"}
	if !slices.Equal(sink.got, want) {
		t.Errorf("got %d events, the first %d bytes; want %d, the first %d bytes", len(sink.got), len(sink.got[0]), len(want), len(want[0]))
	}
}
