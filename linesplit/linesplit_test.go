package linesplit

import (
	"slices"
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	var got []string
	w := New(16, func(l string) { got = append(got, l) })
	for _, s := range []string{"first li", "ne\r\nsecond\n", "", "last"} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if want := []string{"first line", "second", "last"}; !slices.Equal(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
}

// A line longer than max (a progress bar redrawn with \r, never a
// newline) is emitted once, cut on a whole character, and the rest of it
// dropped: neither the line nor what is held for the newline grows.
func TestLongLinesAreCut(t *testing.T) {
	var got []string
	w := New(4096, func(l string) { got = append(got, l) })
	bar := strings.Repeat("é", 512) + "\r" // 1025 bytes a redraw
	for range 1000 {
		if _, err := w.Write([]byte(bar)); err != nil {
			t.Fatal(err)
		}
		if n := w.Held(); n > 4096 {
			t.Fatalf("%d bytes held for the newline, want at most 4096", n)
		}
	}
	if _, err := w.Write([]byte("\nnext\nlast")); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	// The cut at 4096 bytes falls in the 511th é of the 4th redraw, and
	// goes back to the character's start.
	cut := strings.Repeat(strings.Repeat("é", 512)+"\r", 3) + strings.Repeat("é", 510) + "…"
	if want := []string{cut, "next", "last"}; !slices.Equal(got, want) {
		t.Errorf("got %d lines, the first %d bytes; want %d, the first %d bytes", len(got), len(got[0]), len(want), len(want[0]))
	}
}
