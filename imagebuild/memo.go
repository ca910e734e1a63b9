package imagebuild

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"io/fs"
	"maps"
	"slices"
	"sync"
	"time"
)

// Memo remembers file content digests by (device, inode, size, mtime,
// ctime), so that files unchanged since an earlier run are not read again.
// It is kept in the cache between runs and is safe for concurrent use.
//
// One entry is kept per (device, inode): a file's new stat data replaces its
// old entry. Entries unused for memoMaxAgeDays are dropped when the cache is
// saved.
type Memo struct {
	mu      sync.RWMutex
	entries map[fileID]memoEntry
	touched map[fileID]memoEntry // this run's changes, merged into the file on save
	today   uint32
}

type fileID struct{ dev, ino uint64 }

// fileStat is what hashing needs from lstat; memoable is false where the
// platform gives no device and inode numbers.
type fileStat struct {
	mode     fs.FileMode
	id       fileID
	st       stamp
	memoable bool
}

// stamp is the stat data a memo entry must match exactly.
type stamp struct{ size, mtime, ctime int64 }

type memoEntry struct {
	stamp
	used   uint32 // days since the Unix epoch
	digest [32]byte
}

const (
	memoMagic      = "dsm1"
	memoRecordSize = 8*5 + 4 + 32
	memoMaxAgeDays = 30
	memoMaxEntries = 1 << 18
)

// NewMemo returns an empty memo.
func NewMemo() *Memo {
	return &Memo{
		entries: map[fileID]memoEntry{},
		touched: map[fileID]memoEntry{},
		today:   uint32(time.Now().Unix() / 86400),
	}
}

// Len returns the number of remembered files.
func (m *Memo) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.entries)
}

func (m *Memo) lookup(id fileID, st stamp) ([32]byte, bool) {
	m.mu.RLock()
	e, ok := m.entries[id]
	m.mu.RUnlock()
	if !ok || e.stamp != st {
		return [32]byte{}, false
	}
	if e.used != m.today {
		m.mu.Lock()
		e.used = m.today
		m.entries[id], m.touched[id] = e, e
		m.mu.Unlock()
	}
	return e.digest, true
}

func (m *Memo) store(id fileID, st stamp, digest [32]byte) {
	e := memoEntry{stamp: st, used: m.today, digest: digest}
	m.mu.Lock()
	m.entries[id], m.touched[id] = e, e
	m.mu.Unlock()
}

// takeChanges returns this run's changes and forgets them; restoreChanges
// puts them back when they could not be saved.
func (m *Memo) takeChanges() map[fileID]memoEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.touched
	m.touched = map[fileID]memoEntry{}
	return t
}

func (m *Memo) restoreChanges(t map[fileID]memoEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, e := range t {
		if _, newer := m.touched[id]; !newer {
			m.touched[id] = e
		}
	}
}

// apply writes changes over m's entries and drops entries unused for
// memoMaxAgeDays, keeping at most memoMaxEntries, most recently used first.
func (m *Memo) apply(changes map[fileID]memoEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	maps.Copy(m.entries, changes)
	for id, e := range m.entries {
		if e.used+memoMaxAgeDays < m.today {
			delete(m.entries, id)
		}
	}
	if len(m.entries) <= memoMaxEntries {
		return
	}
	ids := slices.Collect(maps.Keys(m.entries))
	slices.SortFunc(ids, func(a, b fileID) int { return cmp.Compare(m.entries[b].used, m.entries[a].used) })
	for _, id := range ids[memoMaxEntries:] {
		delete(m.entries, id)
	}
}

// MarshalBinary encodes the memo compactly, sorted by file identity.
func (m *Memo) MarshalBinary() ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ids := slices.Collect(maps.Keys(m.entries))
	slices.SortFunc(ids, func(a, b fileID) int {
		return cmp.Or(cmp.Compare(a.dev, b.dev), cmp.Compare(a.ino, b.ino))
	})
	b := make([]byte, 0, len(memoMagic)+len(ids)*memoRecordSize)
	b = append(b, memoMagic...)
	for _, id := range ids {
		e := m.entries[id]
		b = binary.LittleEndian.AppendUint64(b, id.dev)
		b = binary.LittleEndian.AppendUint64(b, id.ino)
		for _, v := range []int64{e.size, e.mtime, e.ctime} {
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
		b = binary.LittleEndian.AppendUint32(b, e.used)
		b = append(b, e.digest[:]...)
	}
	return b, nil
}

// UnmarshalBinary replaces the memo's entries with the encoded ones.
func (m *Memo) UnmarshalBinary(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if !bytes.HasPrefix(b, []byte(memoMagic)) || (len(b)-len(memoMagic))%memoRecordSize != 0 {
		return errors.New("file memo: unknown format")
	}
	b = b[len(memoMagic):]
	entries := make(map[fileID]memoEntry, len(b)/memoRecordSize)
	le := binary.LittleEndian
	for ; len(b) > 0; b = b[memoRecordSize:] {
		id := fileID{dev: le.Uint64(b), ino: le.Uint64(b[8:])}
		e := memoEntry{stamp: stamp{
			size:  int64(le.Uint64(b[16:])),
			mtime: int64(le.Uint64(b[24:])),
			ctime: int64(le.Uint64(b[32:])),
		}, used: le.Uint32(b[40:])}
		copy(e.digest[:], b[44:memoRecordSize])
		entries[id] = e
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = entries
	return nil
}
