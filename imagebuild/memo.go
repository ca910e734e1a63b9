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
	"sync/atomic"
	"time"
)

// Memo remembers file content digests by (device, inode, size, mtime,
// ctime), so that files unchanged since an earlier run are not read again.
// It is kept in the cache between runs and is safe for concurrent use.
//
// One entry is kept per (device, inode): a file's new stat data replaces its
// old entry. Entries unused for memoMaxAgeDays are dropped when the cache is
// saved.
//
// The entries read from the cache stay in their encoded form, sorted by
// file identity, and are found by binary search: decoding them into a map
// cost a large project's no-change run more time and memory than its stats.
// Only this run's changes are held in a map.
type Memo struct {
	// base holds the records read or saved; they are replaced whole, never
	// changed in place.
	base atomic.Pointer[memoRecords]

	mu      sync.RWMutex
	touched map[fileID]memoEntry // this run's changes, merged into the file on save
	// nTouched is len(touched), read without the lock so that lookups skip
	// the map while this run has changed nothing.
	nTouched atomic.Int64
	today    uint32
}

type fileID struct{ dev, ino uint64 }

func (a fileID) compare(b fileID) int {
	return cmp.Or(cmp.Compare(a.dev, b.dev), cmp.Compare(a.ino, b.ino))
}

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
		touched: map[fileID]memoEntry{},
		today:   uint32(time.Now().Unix() / 86400),
	}
}

// Len returns the number of remembered files.
func (m *Memo) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	base := m.records()
	n := base.len()
	for id := range m.touched {
		if _, ok := base.find(id); !ok {
			n++
		}
	}
	return n
}

func (m *Memo) records() *memoRecords {
	if r := m.base.Load(); r != nil {
		return r
	}
	return &memoRecords{}
}

// memoRecords are encoded records (without the magic) sorted by file
// identity, and every memoSampleStep-th identity in a small array of its
// own: a lookup searches that array, which stays in the CPU's cache, and
// then one block of records, instead of touching a new cache line at each
// step of a binary search over all of them.
type memoRecords struct {
	b      []byte
	sample []fileID
}

const memoSampleStep = 32

func newMemoRecords(b []byte) *memoRecords {
	n := len(b) / memoRecordSize
	sample := make([]fileID, 0, (n+memoSampleStep-1)/memoSampleStep)
	for i := 0; i < n; i += memoSampleStep {
		sample = append(sample, recordID(b[i*memoRecordSize:]))
	}
	return &memoRecords{b: b, sample: sample}
}

func (r *memoRecords) len() int { return len(r.b) / memoRecordSize }

func (r *memoRecords) id(i int) fileID { return recordID(r.b[i*memoRecordSize:]) }

// find returns the index of id's record.
func (r *memoRecords) find(id fileID) (int, bool) {
	// The block: the last sample not after id.
	lo, hi := 0, len(r.sample)
	for lo < hi {
		if mid := int(uint(lo+hi) >> 1); r.sample[mid].compare(id) <= 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == 0 {
		return 0, false
	}
	lo, hi = (lo-1)*memoSampleStep, min(lo*memoSampleStep, r.len())
	for lo < hi {
		if mid := int(uint(lo+hi) >> 1); r.id(mid).compare(id) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < r.len() && r.id(lo) == id
}

// memoGallop is how far past a lookup's hint findFrom looks (doubling its
// step) before it searches all the records.
const memoGallop = 256

// findFrom is find for an id expected a little after the record at hint:
// the records after it are searched in steps of 1, 2, 4… first, so that
// a near record costs a few comparisons, not a search of all of them.
func (r *memoRecords) findFrom(id fileID, hint int) (int, bool) {
	n := r.len()
	if hint < 0 || hint >= n || r.id(hint).compare(id) >= 0 {
		return r.find(id)
	}
	lo, step := hint, 1 // r.id(lo) < id
	for {
		next := hint + step
		if next >= n || step > memoGallop {
			if step > memoGallop {
				return r.find(id)
			}
			break
		}
		c := r.id(next).compare(id)
		if c == 0 {
			return next, true
		} else if c > 0 {
			n = next
			break
		}
		lo, step = next, step*2
	}
	// The record is after lo and before n.
	lo++
	for lo < n {
		if mid := int(uint(lo+n) >> 1); r.id(mid).compare(id) < 0 {
			lo = mid + 1
		} else {
			n = mid
		}
	}
	return lo, lo < r.len() && r.id(lo) == id
}

func (m *Memo) lookup(id fileID, st stamp) ([32]byte, bool) {
	var hint int
	return m.lookupNear(id, st, &hint)
}

// lookupNear is lookup starting from the record after *hint, which it sets
// to the record found: files checked out or created one after another get
// inode numbers in that order, so the next file's record is often the next
// one.
func (m *Memo) lookupNear(id fileID, st stamp, hint *int) ([32]byte, bool) {
	if m.nTouched.Load() > 0 {
		m.mu.RLock()
		e, ok := m.touched[id]
		m.mu.RUnlock()
		if ok {
			return e.digest, e.stamp == st
		}
	}
	base := m.records()
	i, ok := base.findFrom(id, *hint)
	if !ok {
		return [32]byte{}, false
	}
	*hint = i
	_, e := decodeRecord(base.b[i*memoRecordSize:])
	if e.stamp != st {
		return [32]byte{}, false
	}
	if e.used != m.today {
		e.used = m.today
		m.mu.Lock()
		m.setTouched(id, e)
		m.mu.Unlock()
	}
	return e.digest, true
}

func (m *Memo) store(id fileID, st stamp, digest [32]byte) {
	e := memoEntry{stamp: st, used: m.today, digest: digest}
	m.mu.Lock()
	m.setTouched(id, e)
	m.mu.Unlock()
}

func (m *Memo) setTouched(id fileID, e memoEntry) {
	m.touched[id] = e
	m.nTouched.Store(int64(len(m.touched)))
}

// takeChanges returns this run's changes and forgets them; restoreChanges
// puts them back when they could not be saved. The forgotten changes are
// not looked up any more: a run takes them when it has finished hashing.
func (m *Memo) takeChanges() map[fileID]memoEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.touched
	m.touched = map[fileID]memoEntry{}
	m.nTouched.Store(0)
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
	m.nTouched.Store(int64(len(m.touched)))
}

// apply writes changes over m's entries and drops entries unused for
// memoMaxAgeDays, keeping at most memoMaxEntries, most recently used first.
func (m *Memo) apply(changes map[fileID]memoEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs := mergeRecords(m.records().b, changes, func(e memoEntry) bool { return e.used+memoMaxAgeDays >= m.today })
	if n := len(recs) / memoRecordSize; n > memoMaxEntries {
		recs = keepRecent(recs, memoMaxEntries)
	}
	m.base.Store(newMemoRecords(recs))
}

// adopt makes saved's entries m's own after a save: the entries of every
// run that saved, this run's changes among them.
func (m *Memo) adopt(saved *Memo) {
	m.base.Store(saved.base.Load())
}

// keepRecent keeps the n most recently used of the sorted records, sorted.
func keepRecent(recs []byte, n int) []byte {
	type rec struct {
		id fileID
		e  memoEntry
	}
	all := make([]rec, 0, len(recs)/memoRecordSize)
	for ; len(recs) > 0; recs = recs[memoRecordSize:] {
		id, e := decodeRecord(recs)
		all = append(all, rec{id, e})
	}
	slices.SortStableFunc(all, func(a, b rec) int { return cmp.Compare(b.e.used, a.e.used) })
	all = all[:n]
	slices.SortFunc(all, func(a, b rec) int { return a.id.compare(b.id) })
	out := make([]byte, 0, n*memoRecordSize)
	for _, r := range all {
		out = appendRecord(out, r.id, r.e)
	}
	return out
}

// mergeRecords returns the sorted records of base with changes written over
// them, keeping only the entries keep accepts.
func mergeRecords(base []byte, changes map[fileID]memoEntry, keep func(memoEntry) bool) []byte {
	ids := slices.SortedFunc(maps.Keys(changes), fileID.compare)
	out := make([]byte, 0, len(base)+len(ids)*memoRecordSize)
	add := func(id fileID, e memoEntry) {
		if keep(e) {
			out = appendRecord(out, id, e)
		}
	}
	for len(base) > 0 || len(ids) > 0 {
		var bid fileID
		if len(base) > 0 {
			bid = recordID(base)
		}
		switch {
		case len(ids) == 0 || len(base) > 0 && bid.compare(ids[0]) < 0:
			_, e := decodeRecord(base)
			add(bid, e)
			base = base[memoRecordSize:]
		default:
			if len(base) > 0 && bid == ids[0] {
				base = base[memoRecordSize:]
			}
			add(ids[0], changes[ids[0]])
			ids = ids[1:]
		}
	}
	return out
}

// MarshalBinary encodes the memo compactly, sorted by file identity.
func (m *Memo) MarshalBinary() ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if len(m.touched) == 0 { // as after apply: the records are the encoding
		return append([]byte(memoMagic), m.records().b...), nil
	}
	recs := mergeRecords(m.records().b, m.touched, func(memoEntry) bool { return true })
	return append([]byte(memoMagic), recs...), nil
}

// UnmarshalBinary replaces the memo's entries with the encoded ones, which
// must be sorted by file identity, each identity once.
func (m *Memo) UnmarshalBinary(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if !bytes.HasPrefix(b, []byte(memoMagic)) || (len(b)-len(memoMagic))%memoRecordSize != 0 {
		return errors.New("file memo: unknown format")
	}
	b = b[len(memoMagic):]
	for i := memoRecordSize; i < len(b); i += memoRecordSize {
		if recordID(b[i-memoRecordSize:]).compare(recordID(b[i:])) >= 0 {
			return errors.New("file memo: records out of order")
		}
	}
	m.base.Store(newMemoRecords(b))
	return nil
}

func recordID(b []byte) fileID {
	le := binary.LittleEndian
	return fileID{dev: le.Uint64(b), ino: le.Uint64(b[8:])}
}

func decodeRecord(b []byte) (fileID, memoEntry) {
	le := binary.LittleEndian
	e := memoEntry{stamp: stamp{
		size:  int64(le.Uint64(b[16:])),
		mtime: int64(le.Uint64(b[24:])),
		ctime: int64(le.Uint64(b[32:])),
	}, used: le.Uint32(b[40:])}
	copy(e.digest[:], b[44:memoRecordSize])
	return recordID(b), e
}

func appendRecord(b []byte, id fileID, e memoEntry) []byte {
	le := binary.LittleEndian
	b = le.AppendUint64(b, id.dev)
	b = le.AppendUint64(b, id.ino)
	for _, v := range []int64{e.size, e.mtime, e.ctime} {
		b = le.AppendUint64(b, uint64(v))
	}
	b = le.AppendUint32(b, e.used)
	return append(b, e.digest[:]...)
}
