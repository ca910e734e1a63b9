package dev

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/devspace-engine/devspace/dev/filesync"
	"github.com/devspace-engine/devspace/kube"
)

// recorded collects events; it wants the containers' logs, as devspace
// ui does.
type recorded struct {
	mu     sync.Mutex
	events []string
	data   []map[string]string
}

func (r *recorded) Emit(_ context.Context, name string, data map[string]string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, name)
	r.data = append(r.data, data)
	return nil
}

func (r *recorded) WantsContainerLogs() bool { return true }

// A container's log reaches an observer line by line as log:dev:NAME,
// named after the container next picked; a line split across writes is
// one event, a carriage return is dropped, and a line without end is
// cut into bounded events.
func TestLogEvents(t *testing.T) {
	var r recorded
	cfg := Config{Name: "api", Events: &r}
	if !cfg.wantsContainerLogs() || (Config{Events: nopEvents{}}).wantsContainerLogs() {
		t.Fatal("wantsContainerLogs does not follow the observer")
	}
	w, next, tail := containerLog(cfg, ContainerServices{}, func(context.Context) (kube.Pod, error) { return kube.Pod{Container: "main"}, nil })
	if tail != pageTail {
		t.Errorf("a log only the page shows starts with %d lines, want %d", tail, pageTail)
	}
	if _, err := next(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"first li", "ne\r\nsecond\n", strings.Repeat("x", maxEventLine+10)} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.events) != 3 || r.events[0] != "log:dev:api" {
		t.Fatalf("events %v, want 3 log:dev:api", r.events)
	}
	if d := r.data[0]; d["line"] != "first line" || d["container"] != "main" || r.data[1]["line"] != "second" {
		t.Errorf("lines %q, %q (container %q)", d["line"], r.data[1]["line"], d["container"])
	}
	if n := len(r.data[2]["line"]); n > maxEventLine+len("…") {
		t.Errorf("a line without end came as %d bytes, want at most %d", n, maxEventLine)
	}
}

type nopEvents struct{}

func (nopEvents) Emit(context.Context, string, map[string]string) error { return nil }

// A sync's batch is one changes:sync:NAME event with both directions.
func TestSyncActivityEvent(t *testing.T) {
	var r recorded
	Config{Name: "api", Events: &r}.syncActivity("/src:/app")(context.Background(), filesync.Activity{Initial: true,
		Up: filesync.Transfer{Files: 2000, Bytes: 4096, Last: "z.txt"}, Down: filesync.Transfer{Removed: 1},
		Conflicts: 1, LastConflict: "a.txt: kept the local"})
	if len(r.events) != 1 || r.events[0] != "changes:sync:api" {
		t.Fatalf("events %v, want one changes:sync:api", r.events)
	}
	d := r.data[0]
	for k, want := range map[string]string{"sync_path": "/src:/app", "initial": "true", "up_files": "2000", "up_bytes": "4096", "up_last": "z.txt",
		"down_files": "0", "down_removed": "1", "conflicts": "1", "conflict": "a.txt: kept the local", "failed": "0"} {
		if d[k] != want {
			t.Errorf("%s = %q, want %q", k, d[k], want)
		}
	}
}
