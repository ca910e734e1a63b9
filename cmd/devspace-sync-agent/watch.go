package main

import (
	"encoding/binary"
	"fmt"
	"path"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/devspace-engine/devspace/dev/syncproto"
)

// quiet is how long the events of one burst are gathered before the
// directories they touched are scanned.
const quiet = 20 * time.Millisecond

// inotify watches every directory of the tree (one watch each).
type inotify struct {
	fd  int
	mu  sync.Mutex
	wds map[int]string // watch → directory, relative to the root
}

const watchMask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MODIFY | unix.IN_CLOSE_WRITE |
	unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_ATTRIB | unix.IN_ONLYDIR

func newInotify() (*inotify, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w (run with -poll)", err)
	}
	return &inotify{fd: fd, wds: map[int]string{}}, nil
}

// add watches the directory abs, known as rel; watching a directory
// again (e.g. after it was renamed) updates its name.
func (w *inotify) add(abs, rel string) {
	wd, err := unix.InotifyAddWatch(w.fd, abs, watchMask)
	if err != nil {
		return // gone meanwhile, or out of watches: polling would be needed
	}
	w.mu.Lock()
	w.wds[wd] = rel
	w.mu.Unlock()
}

// dirty is what a burst of events touched: directories to scan, and
// whether the kernel dropped events (then everything is scanned).
type dirty struct {
	dirs     map[string]bool
	overflow bool
}

// read parses events into bursts, sent on out.
func (w *inotify) read(out chan<- dirty) {
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(w.fd, buf)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			close(out)
			return
		}
		d := dirty{dirs: map[string]bool{}}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			wd := int(int32(binary.NativeEndian.Uint32(buf[off:])))
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
			off += unix.SizeofInotifyEvent + nameLen
			w.mu.Lock()
			rel, ok := w.wds[wd]
			if mask&unix.IN_IGNORED != 0 {
				delete(w.wds, wd)
			}
			w.mu.Unlock()
			switch {
			case mask&unix.IN_Q_OVERFLOW != 0:
				d.overflow = true
			case ok:
				d.dirs[rel] = true
				if mask&unix.IN_DELETE_SELF != 0 && rel != "." {
					d.dirs[path.Dir(rel)] = true
				}
			}
		}
		out <- d
	}
}

// watch scans what each burst of events touched and reports the changes.
func (a *agent) watch(w *inotify) {
	bursts := make(chan dirty, 64)
	go w.read(bursts)
	for d := range bursts {
		// Gather the rest of the burst.
		timer := time.NewTimer(quiet)
	gather:
		for {
			select {
			case more, ok := <-bursts:
				if !ok {
					break gather
				}
				d.overflow = d.overflow || more.overflow
				for k := range more.dirs {
					d.dirs[k] = true
				}
				timer.Reset(quiet)
			case <-timer.C:
				break gather
			}
		}
		timer.Stop()
		a.mu.Lock()
		var changes []syncproto.Change
		if d.overflow {
			changes = a.tree.scan(a.root, ".", true, w)
		} else {
			for dir := range d.dirs {
				changes = append(changes, a.tree.scan(a.root, dir, false, w)...)
			}
		}
		a.mu.Unlock()
		a.report(changes)
	}
	a.fatal(fmt.Errorf("inotify: reading events failed"))
}

// poll rescans the whole tree every interval.
func (a *agent) poll(interval time.Duration) {
	for range time.Tick(interval) {
		a.mu.Lock()
		changes := a.tree.scan(a.root, ".", true, nil)
		a.mu.Unlock()
		a.report(changes)
	}
}

func (a *agent) report(changes []syncproto.Change) {
	if len(changes) == 0 {
		return
	}
	if _, data, err := marshal(syncproto.Changes, changes); err == nil {
		if err := a.send(syncproto.Changes, data); err != nil {
			a.fatal(err)
		}
	}
}
