package dev

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/dev/filesync"
)

func TestSyncConfig(t *testing.T) {
	f := false
	for _, tc := range []struct {
		name    string
		in      config.DevSync
		want    *filesync.SyncConfig
		wantErr string
	}{
		{"defaults", config.DevSync{Path: "./src:/app", ExcludePaths: []string{"*.tmp"}, DownloadExcludePaths: []string{"*.log"}},
			&filesync.SyncConfig{Local: "/p/src", Remote: "/app", Exclude: []string{"*.tmp"}, Upload: true, Download: true, DownloadExclude: []string{"*.tmp", "*.log"}}, ""},
		{"options", config.DevSync{Path: "/abs:/app", InitialSync: "mirrorRemote", WaitInitialSync: &f, DisableDownload: true, NoWatch: true, Polling: true},
			&filesync.SyncConfig{Local: "/abs", Remote: "/app", Upload: true, Initial: filesync.MirrorRemote, NoWaitInitial: true, NoWatch: true, Polling: true}, ""},
		{"download only", config.DevSync{Path: ".:/app", DisableUpload: true, InitialSync: "keepAll"},
			&filesync.SyncConfig{Local: "/p", Remote: "/app", Download: true, Initial: filesync.KeepAll}, ""},
		{"neither way", config.DevSync{Path: ".:/app", DisableUpload: true, DisableDownload: true}, nil, ""},
		{"bad mode", config.DevSync{Path: ".:/app", InitialSync: "mirror"}, nil, `initialSync "mirror": want one of`},
		{"relative remote", config.DevSync{Path: ".:app"}, nil, "absolute remote directory"},
		{"startContainer", config.DevSync{Path: ".:/app", StartContainer: true},
			&filesync.SyncConfig{Local: "/p", Remote: "/app", Upload: true, Download: true, StartContainer: true}, ""},
		{"onUpload exec", config.DevSync{Path: ".:/app", OnUpload: &config.DevSyncOnUpload{Exec: []config.DevSyncExec{
			{Command: "make build", OnChange: []string{"*.go"}},
			{Name: "touch", Command: "touch", Args: []string{"/tmp/x"}, Once: true, FailOnError: true},
		}}}, &filesync.SyncConfig{Local: "/p", Remote: "/app", Upload: true, Download: true, OnUpload: []filesync.UploadExec{
			{Name: "make build", Command: []string{"sh", "-c", "make build"}, OnChange: []string{"*.go"}},
			{Name: "touch", Command: []string{"touch", "/tmp/x"}, Once: true, FailOnError: true},
		}}, ""},
		{"restartContainer", config.DevSync{Path: ".:/app", OnUpload: &config.DevSyncOnUpload{RestartContainer: true}},
			&filesync.SyncConfig{Local: "/p", Remote: "/app", Upload: true, Download: true, RestartContainer: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := syncConfig("/p", tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(filesync.SyncConfig{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
