package imagebuild

import (
	"context"
	"errors"
	"sync"
)

// Board is where the build_images calls of one run, across the projects
// of a dependency tree, say which image each builds or keeps, so that a
// project whose Dockerfile is FROM a dependency's image builds on the very
// image the dependency makes in this run, and which image each is
// building right now, so that no two build one image at once (Building).
// Share one per process.
type Board struct {
	mu      sync.Mutex
	entries map[boardKey]*Announced
	// changed is closed, and replaced, at each announcement.
	changed chan struct{}
	// building are the builds running now, each closed when it ends (see
	// Building).
	building map[boardKey]chan struct{}
}

type boardKey struct{ project, image string }

// Announced is one project's image as a build_images call decided it: its
// build key and exact reference (image:tag) are known at once; Built says
// when it exists.
type Announced struct {
	Key string
	Ref string

	once sync.Once
	done chan struct{}
	ok   bool
}

// NewBoard returns an empty board.
func NewBoard() *Board {
	return &Board{entries: map[boardKey]*Announced{}, changed: make(chan struct{}), building: map[boardKey]chan struct{}{}}
}

// Announce records that the project (its config path) builds or keeps
// image with key as ref in this run; Finish says how the build ended. A
// later announcement of the same image replaces this one for new readers.
func (b *Board) Announce(project, image, key, ref string) *Announced {
	a := &Announced{Key: key, Ref: ref, done: make(chan struct{})}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.entries[boardKey{project, image}] = a
	close(b.changed)
	b.changed = make(chan struct{})
	return a
}

// Finish records that the image exists (ok) or will not be made in this
// run; only the first call counts.
func (a *Announced) Finish(ok bool) {
	a.once.Do(func() {
		a.ok = ok
		close(a.done)
	})
}

// Built waits until the image's build has ended: nil when it exists, an
// error when it failed or was stopped, or ctx's error.
func (a *Announced) Built(ctx context.Context) error {
	select {
	case <-a.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if !a.ok {
		return errNotBuilt
	}
	return nil
}

var errNotBuilt = errors.New("it was not built in this run")

// Await returns the project's announcement of image, waiting for it while
// the project's run goes on: nil once running is closed without one (the
// run did not build it). running nil means the run has ended.
func (b *Board) Await(ctx context.Context, project, image string, running <-chan struct{}) (*Announced, error) {
	for {
		b.mu.Lock()
		a, changed := b.entries[boardKey{project, image}], b.changed
		b.mu.Unlock()
		if a != nil || running == nil {
			return a, nil
		}
		select {
		case <-changed:
		case <-running:
			running = nil // look once more: it may have announced last
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Building marks the project's image as building until release is called.
// When another call of this process is building it already (a Rebuild
// clicked on `devspace ui` while the pipeline's build_images builds the
// image, two pipelines run in parallel), it first waits for that build to
// end, calling waiting once as it starts to wait: two builds of one image
// at once would race for its tags and its log. The caller must not wait
// for anything else between Building and release, so no wait can close a
// circle.
func (b *Board) Building(ctx context.Context, project, image string, waiting func()) (release func(), err error) {
	key := boardKey{project, image}
	for {
		b.mu.Lock()
		other, busy := b.building[key]
		if !busy {
			mine := make(chan struct{})
			b.building[key] = mine
			b.mu.Unlock()
			return func() {
				b.mu.Lock()
				delete(b.building, key)
				b.mu.Unlock()
				close(mine)
			}, nil
		}
		b.mu.Unlock()
		if waiting != nil {
			waiting()
			waiting = nil
		}
		select {
		case <-other:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
