package ui

import (
	"maps"
	"slices"
	"strconv"
	"time"
)

// maxDevLogLines bounds the log lines kept per container of a dev
// config: a chatty container over a long session must not grow the board.
const maxDevLogLines = 1000

// SyncState is what one sync path of a dev config did.
type SyncState struct {
	Path string `json:"path"` // LOCAL:REMOTE
	// Up went to the container, Down came back.
	Up   SyncDirection `json:"up"`
	Down SyncDirection `json:"down"`
	// Conflicts counts files changed on both sides (or a container's
	// change overwritten, without downloads); LastConflict says what
	// happened to the last one.
	Conflicts    int    `json:"conflicts"`
	LastConflict string `json:"lastConflict,omitempty"`
	// Failed counts files a side refused; LastFailure is the last.
	Failed      int    `json:"failed"`
	LastFailure string `json:"lastFailure,omitempty"`
}

// SyncDirection totals one direction of a sync, and its last batch.
type SyncDirection struct {
	Files   int64      `json:"files"`
	Bytes   int64      `json:"bytes"`
	Removed int64      `json:"removed"`
	Last    *SyncBatch `json:"last"`
}

// SyncBatch is one batch that moved files in one direction.
type SyncBatch struct {
	At      int64  `json:"at"` // unix ms
	Files   int    `json:"files"`
	Bytes   int64  `json:"bytes"`
	Removed int    `json:"removed"`
	Path    string `json:"path,omitempty"` // the last file written
	Initial bool   `json:"initial,omitempty"`
}

// LogCount is how many lines a container's log has had in all (the page
// asks api/devlog for those it has not).
type LogCount struct {
	Container string `json:"container"`
	Lines     int64  `json:"lines"`
}

// lineRing keeps the last lines of a log.
type lineRing struct {
	buf   []string
	next  int   // where the next line goes once buf is full
	total int64 // lines added in all
}

func (r *lineRing) add(line string, max int) {
	r.total++
	if len(r.buf) < max {
		r.buf = append(r.buf, line)
		return
	}
	r.buf[r.next] = line
	r.next = (r.next + 1) % max
}

// since returns the lines kept after the first after lines (first is the
// number of the first one returned).
func (r *lineRing) since(after int64) (first int64, lines []string) {
	n := min(max(r.total-after, 0), int64(len(r.buf)))
	first = r.total - n
	ordered := append(slices.Clone(r.buf[r.next:]), r.buf[:r.next]...)
	return first, ordered[int64(len(ordered))-n:]
}

// applyDevEvent handles start:dev and stop:dev (b.mu held).
func (b *board) applyDevEvent(phase string, d *DevConfig, _ map[string]string) {
	switch phase {
	case "start":
		d.Running = true
	case "stop":
		d.Running = false
	}
}

// applyDevLog keeps a line of a container's log (log:dev; b.mu held).
func (b *board) applyDevLog(d *DevConfig, data map[string]string) {
	if d.logs == nil {
		d.logs = map[string]*lineRing{}
	}
	r := d.logs[data["container"]]
	if r == nil {
		r = &lineRing{}
		d.logs[data["container"]] = r
	}
	r.add(data["line"], maxDevLogLines)
}

// touchLogs records new log lines (b.mu held): the streams wake, but the
// state's version stays, so that a chatty container sends the page only
// the log counts (logCounts), not the whole state ten times a second.
func (b *board) touchLogs() {
	b.logVersion++
	b.wake()
}

// logCounts are the lines each dev config's containers have had, by dev
// config and container, and the version they are of.
func (b *board) logCounts() (uint64, map[string]map[string]int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]map[string]int64{}
	for name, d := range b.dev {
		for c, r := range d.logs {
			if out[name] == nil {
				out[name] = map[string]int64{}
			}
			out[name][c] = r.total
		}
	}
	return b.logVersion, out
}

// applySyncChanges records one batch of a sync (changes:sync:NAME).
func (d *DevConfig) applySyncChanges(data map[string]string) {
	st := d.syncState(data["sync_path"])
	num := func(k string) int64 { n, _ := strconv.ParseInt(data[k], 10, 64); return n }
	now := time.Now().UnixMilli()
	for _, dir := range []struct {
		key string
		to  *SyncDirection
	}{{"up", &st.Up}, {"down", &st.Down}} {
		batch := SyncBatch{At: now, Files: int(num(dir.key + "_files")), Bytes: num(dir.key + "_bytes"),
			Removed: int(num(dir.key + "_removed")), Path: data[dir.key+"_last"], Initial: data["initial"] == "true"}
		if batch.Files == 0 && batch.Removed == 0 {
			continue
		}
		dir.to.Files += int64(batch.Files)
		dir.to.Bytes += batch.Bytes
		dir.to.Removed += int64(batch.Removed)
		dir.to.Last = &batch
	}
	if n := num("conflicts"); n > 0 {
		st.Conflicts += int(n)
		st.LastConflict = data["conflict"]
	}
	if n := num("failed"); n > 0 {
		st.Failed += int(n)
		st.LastFailure = data["failure"]
	}
}

// syncState is the state of sync path, added when new.
func (d *DevConfig) syncState(path string) *SyncState {
	for i := range d.Syncs {
		if d.Syncs[i].Path == path {
			return &d.Syncs[i]
		}
	}
	d.Syncs = append(d.Syncs, SyncState{Path: path})
	return &d.Syncs[len(d.Syncs)-1]
}

// devLog is what api/devlog sends: a container's lines after the first
// after it had.
type devLog struct {
	First int64    `json:"first"`
	Total int64    `json:"total"`
	Keep  int      `json:"keep"`
	Lines []string `json:"lines"`
}

// containerLog returns the lines of a dev config's container after
// after; ok is false when the board has no such log.
func (b *board) containerLog(dev, container string, after int64) (devLog, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.dev[dev]
	if d == nil || d.logs[container] == nil {
		return devLog{}, false
	}
	r := d.logs[container]
	first, lines := r.since(after)
	return devLog{First: first, Total: r.total, Keep: maxDevLogLines, Lines: lines}, true
}

// copyDev copies a dev config for a snapshot.
func copyDev(src *DevConfig) DevConfig {
	d := *src
	d.Services = maps.Clone(d.Services)
	d.Ports = append([]string{}, d.Ports...)
	d.ReversePorts = append([]string{}, d.ReversePorts...)
	d.Syncs = make([]SyncState, len(src.Syncs))
	for i, s := range src.Syncs {
		d.Syncs[i] = s
		d.Syncs[i].Up.Last, d.Syncs[i].Down.Last = clonePtr(s.Up.Last), clonePtr(s.Down.Last)
	}
	d.Logs = []LogCount{}
	for _, c := range sortedKeys(src.logs) {
		d.Logs = append(d.Logs, LogCount{Container: c, Lines: src.logs[c].total})
	}
	d.logs = nil
	return d
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}
