// Package filesync keeps a local directory and one in the container in
// step through the sync agent (cmd/devspace-sync-agent, spoken to in
// dev/syncproto): the initial sync, watching both sides, conflicts, and
// the commands run after uploads.
package filesync

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/devspace-engine/devspace/dev/agent"
	"github.com/devspace-engine/devspace/dev/syncproto"
	"github.com/devspace-engine/devspace/kube"
)

// InitialSync says what the first sync with a container does with files
// that are on one side only or differ (DevSpace's initialSync).
type InitialSync string

// The initial sync modes; "" is PreferLocal.
const (
	MirrorLocal  InitialSync = "mirrorLocal"  // the container ends as the local tree: uploads, deletes there
	MirrorRemote InitialSync = "mirrorRemote" // the local tree ends as the container's: downloads, deletes here
	PreferLocal  InitialSync = "preferLocal"  // both ways, a differing file takes the local version
	PreferRemote InitialSync = "preferRemote" // both ways, a differing file takes the container's
	PreferNewest InitialSync = "preferNewest" // both ways, a differing file takes the newer
	KeepAll      InitialSync = "keepAll"      // both ways, a differing file keeps the newer and saves the other beside it
	NoInitial    InitialSync = "disabled"     // nothing: only later changes are synced
)

// InitialSyncModes lists the valid modes.
var InitialSyncModes = []InitialSync{MirrorLocal, MirrorRemote, PreferLocal, PreferRemote, PreferNewest, KeepAll, NoInitial}

// SyncConfig is one sync[] entry: a local directory kept in step with a
// directory in the container.
type SyncConfig struct {
	// Local is the absolute local directory, Remote the container's.
	Local, Remote string
	// Exclude are gitignore-style patterns (excludePaths and
	// uploadExcludePaths): "name" matches at any depth, "/name" at the
	// root only, "dir/" directories only, "**" any depth.
	Exclude []string
	// Upload sends local changes; Download brings changes made in the
	// container back, except those DownloadExclude matches.
	Upload, Download bool
	DownloadExclude  []string
	Initial          InitialSync
	// NoWaitInitial lets start_dev go on before the initial sync is done.
	NoWaitInitial bool
	// NoWatch syncs once, at the start; Polling has the agent rescan the
	// container's tree instead of using inotify.
	NoWatch, Polling bool
	// OnUpload runs commands in the container after uploads.
	OnUpload []UploadExec
	// RestartContainer restarts the container's process after uploads,
	// through the restart helper the pod replacement put in.
	RestartContainer bool
	// StartContainer holds the container's process back (through the
	// restart helper) until the initial sync is done.
	StartContainer bool
	// Agent is the in-container side, copied into each container.
	Agent *agent.Agent
	// OnInitialSync, when set, is told of each initial sync: "before"
	// (an error stops the sync), then "after" or "error" with its error.
	OnInitialSync func(ctx context.Context, phase string, err error) error
	// OnActivity, when set, is told what each batch moved (see Activity).
	OnActivity func(ctx context.Context, a Activity)
}

// initialEvent tells OnInitialSync of a phase of an initial sync.
func (cfg SyncConfig) initialEvent(ctx context.Context, phase string, err error) error {
	if cfg.OnInitialSync == nil {
		return nil
	}
	return cfg.OnInitialSync(ctx, phase, err)
}

// pollInterval is how often the agent rescans with Polling.
const pollInterval = 500 * time.Millisecond

// Sync keeps the local directory and the container's in step through the
// sync agent: an initial sync by cfg.Initial, then each local change
// (batched) and each change the agent reports. When the pod goes away it
// resumes on the next one with a new initial sync. ready gets nil once
// the first initial sync is done (once the agent runs, with
// NoWaitInitial), or the error that stopped it.
func Sync(ctx context.Context, c *kube.Client, next func(context.Context) (kube.Pod, error), cfg SyncConfig, log io.Writer, ready chan<- error) (err error) {
	first := true
	signal := func(err error) {
		if first {
			first = false
			ready <- err
		}
	}
	defer func() { signal(cmp.Or(err, ctx.Err())) }() // ready hears exactly once
	// A download-only sync may start without the local directory.
	if err := os.MkdirAll(cfg.Local, 0o755); err != nil {
		return err
	}
	var w *watcher
	if !cfg.NoWatch && cfg.Upload {
		if w, err = newWatcher(cfg); err != nil {
			return err
		}
		defer w.close()
	}
	s := &syncer{c: c, cfg: cfg, log: log}
	for ctx.Err() == nil {
		pod, err := next(ctx)
		if err != nil {
			return err
		}
		wasFirst := first
		err = s.connect(ctx, pod)
		if err == nil && cfg.NoWaitInitial {
			signal(nil)
		}
		if err == nil {
			err = cfg.initialEvent(ctx, "before", nil)
		}
		if err == nil {
			if err = s.initial(ctx); err != nil {
				_ = cfg.initialEvent(ctx, "error", err)
			} else {
				err = cfg.initialEvent(ctx, "after", nil)
			}
		}
		if wasFirst {
			signal(err)
			if err != nil {
				s.disconnect()
				return err
			}
		}
		if err == nil && cfg.NoWatch {
			s.disconnect()
			return nil
		}
		if err == nil {
			err = s.follow(ctx, w)
		}
		s.disconnect()
		var stop *errStop
		if errors.As(err, &stop) {
			return stop.err
		}
		if ctx.Err() == nil && err != nil {
			fmt.Fprintf(log, "sync %s: %v; resuming on the next pod\n", cfg.Remote, err)
			if kube.Pause(ctx, 500*time.Millisecond) != nil {
				return nil
			}
		}
	}
	return nil
}

// pair is a file's state on both sides when they were last in step.
type pair struct{ local, remote *syncproto.Entry }

// syncer is one sync's state; only Sync's goroutine uses it.
type syncer struct {
	c    *kube.Client
	cfg  SyncConfig
	log  io.Writer
	pod  kube.Pod
	conn *agentConn
	// uploaded are the files uploaded since onUpload last ran; ran the
	// onUpload commands that ran (for Once).
	uploaded []string
	ran      map[int]bool
	// base holds the files known in step, with their state on each side:
	// what sync wrote, or saw equal. A change is a state that differs
	// from it; a delete propagates only for a file in it.
	base map[string]pair
	// batch is what the batch under way did, for OnActivity.
	batch Activity
}

func (s *syncer) connect(ctx context.Context, pod kube.Pod) error {
	var flags []string
	switch {
	case s.cfg.NoWatch || !s.cfg.Download:
		flags = append(flags, "-nowatch")
	case s.cfg.Polling:
		flags = append(flags, "-poll", pollInterval.String())
	}
	conn, err := startAgent(ctx, s.c, pod, s.cfg.Agent, s.cfg.Remote, flags)
	if err != nil {
		return err
	}
	s.conn, s.pod = conn, pod
	return nil
}

func (s *syncer) disconnect() {
	if s.conn != nil {
		s.conn.close()
		s.conn = nil
	}
}

// follow handles each burst of local changes and each report of the
// agent until ctx ends or the agent stops (the pod went away).
func (s *syncer) follow(ctx context.Context, w *watcher) error {
	bctx, cancel := context.WithCancel(ctx)
	batches := make(chan [2][]string)
	batchErr := make(chan error, 1)
	done := make(chan struct{})
	defer func() { cancel(); <-done }()
	go func() { // owned by follow: waited for on return
		defer close(done)
		if w == nil {
			return
		}
		for {
			changed, removed, err := w.batch(bctx)
			if err != nil || bctx.Err() != nil {
				batchErr <- err
				return
			}
			select {
			case batches <- [2][]string{changed, removed}:
			case <-bctx.Done():
				return
			}
		}
	}()
	// Changes reported during the initial sync.
	if err := s.remoteChanged(ctx, s.conn.takeChanges()); err != nil {
		return err
	}
	for {
		var err error
		select {
		case <-ctx.Done():
			return nil
		case <-s.conn.done:
			return s.conn.err
		case err = <-batchErr:
			if err == nil {
				return nil
			}
		case b := <-batches:
			err = s.localChanged(ctx, b[0], b[1])
		case <-s.conn.notify:
			err = s.remoteChanged(ctx, s.conn.takeChanges())
		}
		if err != nil {
			return err
		}
	}
}
