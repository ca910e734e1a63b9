package dev

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/dev/filesync"
)

// TestSyncsFor: the flags are laid over each entry of the dev config (its
// container's and its containers:'), and --path entries replace them.
func TestSyncsFor(t *testing.T) {
	dir := t.TempDir()
	pod := &config.DevPod{
		DevContainer: config.DevContainer{Container: "main", Sync: []config.DevSync{{Path: "./src:/app", ExcludePaths: []string{"tmp/"}, InitialSync: "mirrorLocal"}}},
		Containers:   map[string]*config.DevContainer{"side": {Sync: []config.DevSync{{Path: "./side:/side", DisableUpload: true}}}},
	}
	got, err := SyncsFor(SyncRequest{Dir: dir, DevName: "web", DevPod: pod, Exclude: []string{"*.log"}, UploadOnly: true, NoWatch: true})
	if err == nil {
		t.Fatalf("upload-only over a download-only entry: %+v, want it refused", got)
	}
	if !strings.Contains(err.Error(), "dev web: containers.side.sync[0]: uploads and downloads are both disabled") {
		t.Errorf("error %q does not name the entry", err)
	}

	got, err = SyncsFor(SyncRequest{Dir: dir, DevName: "web", DevPod: pod, Exclude: []string{"*.log"}, Initial: "preferRemote", Polling: true})
	if err != nil || len(got) != 2 {
		t.Fatalf("syncs of dev web: %+v, %v", got, err)
	}
	main, side := got[0], got[1]
	if main.Container != "main" || main.Local != filepath.Join(dir, "src") || main.Remote != "/app" || !slices.Equal(main.Exclude, []string{"tmp/", "*.log"}) ||
		main.Initial != filesync.PreferRemote || !main.Polling || !main.Upload || !main.Download {
		t.Errorf("main sync: %+v", main)
	}
	if side.Container != "side" || side.Upload || !side.Download || side.Initial != filesync.PreferRemote {
		t.Errorf("side sync: %+v", side)
	}

	got, err = SyncsFor(SyncRequest{Dir: dir, Paths: []string{"a:/x", "/abs:/y"}, DownloadOnly: true, NoWatch: true, DevPod: pod})
	if err != nil || len(got) != 2 || got[0].Local != filepath.Join(dir, "a") || got[1].Local != "/abs" || got[0].Upload || !got[1].NoWatch || got[0].Container != "" {
		t.Errorf("--path syncs: %+v, %v", got, err)
	}
	if _, err := SyncsFor(SyncRequest{Dir: dir, DevName: "api", DevPod: &config.DevPod{}}); err == nil || !strings.Contains(err.Error(), "dev api has no sync") {
		t.Errorf("a dev config without sync: %v", err)
	}
}
