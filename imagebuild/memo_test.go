package imagebuild

import (
	"math/rand/v2"
	"testing"
)

// TestMemoSortedRecords: the memo read from the cache is searched in its
// encoded, sorted form. Every entry is found after a round trip, with the
// hint at any place; a changed stamp misses; a file out of order is refused.
func TestMemoSortedRecords(t *testing.T) {
	t.Parallel()
	m := NewMemo()
	want := map[fileID]memoEntry{}
	for i := range 3000 {
		id := fileID{dev: uint64(rand.IntN(3)), ino: rand.Uint64()}
		e := memoEntry{stamp: stamp{int64(i), int64(i) * 2, int64(i) * 3}, used: m.today}
		e.digest[0], e.digest[1] = byte(i), byte(i>>8)
		m.store(id, e.stamp, e.digest)
		want[id] = e
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	m2 := NewMemo()
	if err := m2.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if m2.Len() != len(want) {
		t.Fatalf("decoded %d entries, want %d", m2.Len(), len(want))
	}
	hint := 0
	for id, e := range want {
		if d, ok := m2.lookupNear(id, e.stamp, &hint); !ok || d != e.digest {
			t.Fatalf("entry %v not found (hint %d)", id, hint)
		}
		changed := e.stamp
		changed.mtime++
		if _, ok := m2.lookupNear(id, changed, &hint); ok {
			t.Fatalf("entry %v found with another mtime", id)
		}
	}
	for _, id := range []fileID{{0, 0}, {99, 0}, {1, 1<<64 - 1}} {
		if _, ok := want[id]; !ok {
			if _, found := m2.lookup(id, stamp{}); found {
				t.Errorf("absent entry %v found", id)
			}
		}
	}
	// Two records swapped: refused, not searched wrongly.
	rec := b[len(memoMagic):]
	swapped := append([]byte(memoMagic), rec[memoRecordSize:2*memoRecordSize]...)
	swapped = append(append(swapped, rec[:memoRecordSize]...), rec[2*memoRecordSize:]...)
	if err := NewMemo().UnmarshalBinary(swapped); err == nil {
		t.Error("records out of order decoded without error")
	}
}

// TestMemoApply: saving merges this run's changes into the records on disk,
// drops entries unused for memoMaxAgeDays, and the memo keeps answering
// what it learnt after the save.
func TestMemoApply(t *testing.T) {
	t.Parallel()
	disk := NewMemo()
	disk.store(fileID{1, 1}, stamp{size: 1}, [32]byte{1})
	disk.store(fileID{1, 3}, stamp{size: 3}, [32]byte{3})
	old := memoEntry{stamp: stamp{size: 5}, used: disk.today - memoMaxAgeDays - 1, digest: [32]byte{5}}
	disk.mu.Lock()
	disk.setTouched(fileID{1, 5}, old)
	disk.mu.Unlock()
	disk.apply(disk.takeChanges())
	if n := disk.Len(); n != 2 {
		t.Fatalf("%d entries after dropping the old one, want 2", n)
	}
	run := NewMemo()
	run.store(fileID{1, 2}, stamp{size: 2}, [32]byte{2})
	run.store(fileID{1, 3}, stamp{size: 33}, [32]byte{33})
	disk.apply(run.takeChanges())
	run.adopt(disk)
	for _, c := range []struct {
		id   fileID
		st   stamp
		want byte
	}{{fileID{1, 1}, stamp{size: 1}, 1}, {fileID{1, 2}, stamp{size: 2}, 2}, {fileID{1, 3}, stamp{size: 33}, 33}} {
		if d, ok := run.lookup(c.id, c.st); !ok || d[0] != c.want {
			t.Errorf("after the save, %v = %v, %v; want %d", c.id, d[0], ok, c.want)
		}
	}
	if _, ok := run.lookup(fileID{1, 3}, stamp{size: 3}); ok {
		t.Error("the replaced stamp of {1 3} is still found")
	}
}

// findFrom finds what find finds, from any hint: before the record, just
// after it, far after it, past the end.
func TestMemoFindFrom(t *testing.T) {
	t.Parallel()
	var recs []byte
	var ids []fileID
	ino := uint64(0)
	for range 2000 {
		ino += 1 + uint64(rand.IntN(20))
		id := fileID{dev: 1, ino: ino}
		ids = append(ids, id)
		recs = appendRecord(recs, id, memoEntry{})
	}
	r := newMemoRecords(recs)
	for range 20000 {
		id := fileID{dev: 1, ino: uint64(rand.IntN(int(ino) + 10))}
		if rand.IntN(2) == 0 {
			id = ids[rand.IntN(len(ids))]
		}
		hint := rand.IntN(len(ids)+4) - 2
		if rand.IntN(2) == 0 { // near: just before the record
			i, _ := r.find(id)
			hint = max(-1, i-1-rand.IntN(8))
		}
		wi, wok := r.find(id)
		if gi, gok := r.findFrom(id, hint); gok != wok || (wok && gi != wi) {
			t.Fatalf("findFrom(%v, %d) = %d, %v; find = %d, %v", id, hint, gi, gok, wi, wok)
		}
	}
}
