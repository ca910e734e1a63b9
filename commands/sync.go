package commands

import (
	"fmt"
	"os"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/devspace-engine/devspace/dev"
)

// syncOwnFlags are sync's own: the pod flags and DevSpace's sync flags.
var syncOwnFlags = append(slices.Clip(podFlags),
	flagSpec{name: "path", kind: kindStrings, usage: "LOCAL:REMOTE to sync, e.g. ./src:/app (repeatable; default: the dev config's sync entries)"},
	flagSpec{name: "exclude", short: "e", kind: kindStrings, usage: "leave out paths matching this gitignore-style pattern (repeatable, or comma-separated)"},
	flagSpec{name: "upload-only", kind: kindBool, usage: "only upload local changes"},
	flagSpec{name: "download-only", kind: kindBool, usage: "only download the container's changes"},
	flagSpec{name: "initial-sync", kind: kindString, usage: "the initial sync: mirrorLocal, mirrorRemote, preferLocal (default), preferRemote, preferNewest, keepAll or disabled"},
	flagSpec{name: "no-watch", kind: kindBool, usage: "sync once, then exit"},
	flagSpec{name: "polling", kind: kindBool, usage: "find changes in the container by rescanning instead of inotify"},
)

func syncCommand(stdio IO) *cli.Command {
	return withPodFlags(&cli.Command{
		Name:  "sync",
		Usage: "Sync files with a dev container, as dev mode does (--path LOCAL:REMOTE, else the dev config's sync entries)",
	}, syncOwnFlags, func(c *cli.Context, flags *flagValues) error {
		req, err := syncRequest(flags)
		if err != nil {
			return &exitError{code: 2, msg: "devspace sync: " + err.Error()}
		}
		req.Agent = dev.SyncAgent(os.Getenv)
		// --path entries are checked before a pod is waited for; without
		// them, only dev configs with sync entries are candidates.
		var syncs []dev.ContainerSync
		need := dev.HasSync
		if len(req.Paths) > 0 {
			need = nil
			if syncs, err = dev.SyncsFor(req); err != nil {
				return &exitError{code: 2, msg: "devspace sync: " + err.Error()}
			}
		}
		cl, choice, pod, err := selectPod(c.Context, flags, stdio, need)
		if err != nil {
			return err
		}
		if syncs == nil {
			req.DevName, req.DevPod, req.Dir = choice.devName, choice.devPod, choice.dir
			if syncs, err = dev.SyncsFor(req); err != nil {
				return err
			}
		}
		if flags.str("container") != "" { // -c wins over the dev config's containers
			for i := range syncs {
				syncs[i].Container = ""
			}
		}
		fmt.Fprintf(stdio.Stderr, "Syncing with pod %s (namespace %s)\n", pod.Name, pod.Namespace)
		// The selector, not the pod: a replacement pod is synced anew,
		// as in dev mode.
		return dev.RunSyncs(c.Context, cl, choice.sel, syncs, stdio.Stderr)
	})
}

// syncRequest reads the sync flags; errors are usage errors.
func syncRequest(flags *flagValues) (dev.SyncRequest, error) {
	wd, err := os.Getwd()
	if err != nil {
		return dev.SyncRequest{}, err
	}
	req := dev.SyncRequest{
		Paths: flags.list("path"), Dir: wd, Exclude: flags.list("exclude"),
		UploadOnly: flags.boolean("upload-only"), DownloadOnly: flags.boolean("download-only"),
		NoWatch: flags.boolean("no-watch"), Polling: flags.boolean("polling"), Initial: flags.str("initial-sync"),
	}
	if req.UploadOnly && req.DownloadOnly {
		return req, fmt.Errorf("--upload-only and --download-only together leave nothing to sync: give one")
	}
	if err := dev.CheckInitialSync(req.Initial); err != nil {
		return req, fmt.Errorf("--initial-sync %w", err)
	}
	return req, nil
}
