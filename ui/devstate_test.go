package ui

import (
	"fmt"
	"strconv"
	"testing"
)

// A chatty container keeps only its last maxDevLogLines lines on the
// board, per container; the page asking for the lines after those it has
// gets what is kept, and where it starts.
func TestBoardKeepsDevLogsBounded(t *testing.T) {
	t.Parallel()
	b := newBoard()
	b.apply("", "start:dev:api", nil)
	before := b.snapshot().Version
	total := 3*maxDevLogLines + 7
	for i := range total {
		b.apply("", "log:dev:api", map[string]string{"container": "main", "line": "line " + strconv.Itoa(i)})
	}
	b.apply("", "log:dev:api", map[string]string{"container": "sidecar", "line": "sidecar says hi"})
	snap := b.snapshot()
	// Lines wake the page's stream with their counts, not the whole state.
	if v, counts := b.logCounts(); snap.Version != before || v != uint64(total+1) || counts["api"]["main"] != int64(total) {
		t.Errorf("after %d lines: state version %d (was %d), log version %d, counts %v; want the state's unchanged", total+1, snap.Version, before, v, counts)
	}
	if got := snap.Dev[0].Logs; len(got) != 2 || got[0] != (LogCount{"main", int64(total)}) || got[1] != (LogCount{"sidecar", 1}) {
		t.Fatalf("log counts = %+v, want main %d and sidecar 1", got, total)
	}
	if n := len(b.dev["api"].logs["main"].buf); n != maxDevLogLines {
		t.Errorf("the board keeps %d lines of main, want %d", n, maxDevLogLines)
	}
	all, _ := b.containerLog("api", "main", 0)
	if len(all.Lines) != maxDevLogLines || all.First != int64(total-maxDevLogLines) || all.Total != int64(total) {
		t.Fatalf("log from 0: %d lines from %d of %d, want the last %d", len(all.Lines), all.First, all.Total, maxDevLogLines)
	}
	if all.Lines[0] != fmt.Sprintf("line %d", total-maxDevLogLines) || all.Lines[len(all.Lines)-1] != fmt.Sprintf("line %d", total-1) {
		t.Errorf("lines run from %q to %q, want the newest in order", all.Lines[0], all.Lines[len(all.Lines)-1])
	}
	tail, _ := b.containerLog("api", "main", int64(total-2))
	if len(tail.Lines) != 2 || tail.Lines[0] != fmt.Sprintf("line %d", total-2) || tail.First != int64(total-2) {
		t.Errorf("log after %d: %+v, want its last 2 lines", total-2, tail)
	}
	if _, ok := b.containerLog("api", "nope", 0); ok {
		t.Error("a container with no log has one")
	}
}

// A sync's batches add up per direction; the last of each direction is
// kept with what it moved, and conflicts and failures are counted with
// the last one said.
func TestBoardSyncState(t *testing.T) {
	t.Parallel()
	b := newBoard()
	b.apply("", "start:sync:api", map[string]string{"sync_path": "/src:/app"})
	b.apply("", "changes:sync:api", map[string]string{"sync_path": "/src:/app", "initial": "true",
		"up_files": "2000", "up_bytes": "4096000", "up_last": "z.txt", "down_files": "3", "down_bytes": "30", "down_last": "out.log"})
	b.apply("", "changes:sync:api", map[string]string{"sync_path": "/src:/app",
		"up_files": "1", "up_bytes": "12", "up_last": "main.go", "up_removed": "1",
		"conflicts": "1", "conflict": "a.txt: kept the local (newer), the other saved as a.txt.devspace-conflict-remote-1"})
	b.apply("", "changes:sync:api", map[string]string{"sync_path": "/src:/app", "failed": "2", "failure": "upload b.txt: permission denied"})
	snap := b.snapshot()
	d := snap.Dev[0]
	if len(d.Syncs) != 1 || d.Services["sync"] != "start" {
		t.Fatalf("syncs %+v, services %v: want one, started", d.Syncs, d.Services)
	}
	s := d.Syncs[0]
	if s.Up.Files != 2001 || s.Up.Bytes != 4096012 || s.Up.Removed != 1 || s.Down.Files != 3 || s.Down.Bytes != 30 {
		t.Errorf("totals = up %+v, down %+v", s.Up, s.Down)
	}
	if l := s.Up.Last; l == nil || l.Files != 1 || l.Path != "main.go" || l.Removed != 1 || l.Initial || l.At == 0 {
		t.Errorf("last upload = %+v, want main.go's batch", l)
	}
	if l := s.Down.Last; l == nil || l.Path != "out.log" || !l.Initial {
		t.Errorf("last download = %+v, want the initial sync's", l)
	}
	if s.Conflicts != 1 || s.LastConflict == "" || s.Failed != 2 || s.LastFailure != "upload b.txt: permission denied" {
		t.Errorf("conflicts %d (%q), failed %d (%q)", s.Conflicts, s.LastConflict, s.Failed, s.LastFailure)
	}
	// The snapshot is a copy: later batches do not change it.
	b.apply("", "changes:sync:api", map[string]string{"sync_path": "/src:/app", "up_files": "1", "up_last": "later.go"})
	if s.Up.Last.Path != "main.go" {
		t.Errorf("a snapshot's last upload changed to %q", s.Up.Last.Path)
	}
}
