package dev

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/dev/agent"
	"github.com/devspace-engine/devspace/dev/filesync"
	"github.com/devspace-engine/devspace/kube"
)

// ContainerSync is one sync with the container it keeps in step ("": the
// container the selector chooses).
type ContainerSync struct {
	Container string
	filesync.SyncConfig
}

// SyncRequest is what `devspace sync` syncs: its --path entries, else
// the sync entries of one dev config, with the command's flags laid over
// each entry.
type SyncRequest struct {
	// Paths are --path's LOCAL:REMOTE entries, local paths relative to
	// Dir (as are the config's).
	Paths []string
	Dir   string
	// DevName and DevPod are the dev config whose syncs run when Paths
	// is empty.
	DevName string
	DevPod  *config.DevPod
	// Exclude adds to each entry's excludePaths.
	Exclude                  []string
	UploadOnly, DownloadOnly bool
	NoWatch, Polling         bool
	Initial                  string // "" keeps the entry's
	Agent                    *agent.Agent
}

func (o SyncRequest) apply(sc config.DevSync) config.DevSync {
	sc.ExcludePaths = slices.Concat(sc.ExcludePaths, o.Exclude)
	sc.DisableDownload = sc.DisableDownload || o.UploadOnly
	sc.DisableUpload = sc.DisableUpload || o.DownloadOnly
	sc.NoWatch = sc.NoWatch || o.NoWatch
	sc.Polling = sc.Polling || o.Polling
	sc.InitialSync = cmp.Or(o.Initial, sc.InitialSync)
	sc.WaitInitialSync = nil // the command reports each initial sync
	return sc
}

// SyncsFor are the syncs `devspace sync` runs: one per --path when
// given, else those of dev config o.DevName (its container's and its
// containers:'), each with the flags laid over it. A sync left with neither direction is refused.
func SyncsFor(o SyncRequest) ([]ContainerSync, error) {
	var out []ContainerSync
	add := func(what, container, arch string, sc config.DevSync) error {
		fs, err := syncConfig(o.Dir, o.apply(sc))
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if fs == nil {
			return fmt.Errorf("%s: uploads and downloads are both disabled: nothing to sync", what)
		}
		if o.Agent != nil { // nil in tests that only map entries
			fs.Agent = o.Agent.ForArch(arch)
		}
		out = append(out, ContainerSync{Container: container, SyncConfig: *fs})
		return nil
	}
	if len(o.Paths) > 0 {
		for _, p := range o.Paths {
			if err := add("--path", "", "", config.DevSync{Path: p}); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	p := o.DevPod
	for i, sc := range p.Sync {
		if err := add(fmt.Sprintf("dev %s: sync[%d]", o.DevName, i), p.Container, p.Arch, sc); err != nil {
			return nil, err
		}
	}
	for _, cname := range slices.Sorted(maps.Keys(p.Containers)) {
		dc := p.Containers[cname]
		for i, sc := range dc.Sync {
			if err := add(fmt.Sprintf("dev %s: containers.%s.sync[%d]", o.DevName, cname, i), cmp.Or(dc.Container, cname), cmp.Or(dc.Arch, p.Arch), sc); err != nil {
				return nil, err
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("dev %s has no sync: give --path LOCAL:REMOTE", o.DevName)
	}
	return out, nil
}

// SyncAgent is the sync agent as dev mode finds it: the build for each
// container's architecture (agent.Find), looked for when a container
// needs it.
func SyncAgent(getenv func(string) string) *agent.Agent {
	return agent.New(func(arch string) (string, error) { return agent.Find(getenv, arch) })
}

// CheckInitialSync refuses an initial sync mode that is not one of
// filesync.InitialSyncModes ("" is the default).
func CheckInitialSync(mode string) error {
	if m := filesync.InitialSync(mode); m != "" && !slices.Contains(filesync.InitialSyncModes, m) {
		return fmt.Errorf("%q: want one of %v", mode, filesync.InitialSyncModes)
	}
	return nil
}

// HasSync says whether dev config p syncs files (in any container).
func HasSync(p *config.DevPod) bool {
	if p == nil {
		return false
	}
	if len(p.Sync) > 0 {
		return true
	}
	for _, dc := range p.Containers {
		if dc != nil && len(dc.Sync) > 0 {
			return true
		}
	}
	return false
}

// RunSyncs runs the syncs with the pods sel selects, each on the same
// agent and engine as dev mode, and says on log when each initial sync
// is done. Syncs without NoWatch run until ctx ends (then nil); with
// NoWatch RunSyncs returns once every initial sync is done. The first
// failing sync stops the others.
func RunSyncs(ctx context.Context, c *kube.Client, sel kube.Selector, syncs []ContainerSync, log io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := func(ctx context.Context) (kube.Pod, error) { return kube.WaitPod(ctx, c, sel) }
	var wg sync.WaitGroup
	errs := make([]error, len(syncs))
	for i, s := range syncs {
		ready := make(chan error, 1)
		wg.Go(func() {
			errs[i] = filesync.Sync(ctx, c, inContainer(next, s.Container), s.SyncConfig, log, ready)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("sync %s <-> %s: %w", s.Local, s.Remote, errs[i])
				cancel()
			}
		})
		wg.Go(func() {
			if err := <-ready; err == nil {
				fmt.Fprintf(log, "Initial sync done: %s <-> %s\n", s.Local, s.Remote)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
