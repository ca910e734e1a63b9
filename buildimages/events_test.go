package buildimages

import (
	"context"
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
	l := lineEvents(sink, "app")
	for _, part := range []string{"Step 1", "/2\r\nStep 2/2\n", "Done"} {
		if _, err := l.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	l.Flush()
	want := "log:build:app Step 1/2|log:build:app Step 2/2|log:build:app Done"
	if got := strings.Join(sink.got, "|"); got != want {
		t.Errorf("events %q, want %q", got, want)
	}
}
