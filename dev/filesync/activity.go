package filesync

import "context"

// Activity is what one batch of a sync did: an initial sync, one burst of
// local changes, or one report of the agent. It is told once per batch,
// never per file, so that observers (devspace ui) get one event for an
// initial sync of thousands of files.
type Activity struct {
	// Initial says the batch was an initial sync.
	Initial bool
	// Up and Down are what went to the container and what came back.
	Up, Down Transfer
	// Conflicts counts the files changed on both sides (or changed in the
	// container and overwritten, without downloads); LastConflict says
	// what was done with the last one.
	Conflicts    int
	LastConflict string
	// Failed counts the files a side refused (a write or delete error);
	// LastFailure is the last one's path and error.
	Failed      int
	LastFailure string
}

// Transfer is one direction of a batch.
type Transfer struct {
	// Files were written, Bytes their size; Removed files were deleted.
	Files, Removed int
	Bytes          int64
	// Last is the path of the last file written.
	Last string
}

func (a Activity) empty() bool {
	return a.Up == (Transfer{}) && a.Down == (Transfer{}) && a.Conflicts == 0 && a.Failed == 0
}

func (t *Transfer) wrote(path string, size int64) {
	t.Files++
	t.Bytes += size
	t.Last = path
}

func (a *Activity) conflict(what string) {
	a.Conflicts++
	a.LastConflict = what
}

func (a *Activity) failure(what string) {
	a.Failed++
	a.LastFailure = what
}

// report tells OnActivity what the batch that ends did, if anything, and
// starts the next.
func (s *syncer) report(ctx context.Context, initial bool) {
	a := s.batch
	s.batch = Activity{}
	if a.empty() || s.cfg.OnActivity == nil {
		return
	}
	a.Initial = initial
	s.cfg.OnActivity(ctx, a)
}
