package dev

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/devspace-engine/devspace/kube"
)

// TestSessionRecords: a recorded session is found while its process
// runs; one of a process that is gone is not; forgetting removes only
// this process's record, and the file with the last one.
func TestSessionRecords(t *testing.T) {
	path := SessionsFile(filepath.Join(t.TempDir(), "devspace.yaml"))
	sel := kube.Selector{LabelSelector: map[string]string{"app": "web", "devspace.sh/dev-copy": "web-devspace"}, Container: "main"}
	if err := recordSession(path, "web", sel, kube.Pod{Namespace: "ns", Name: "web-1"}); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	err := updateSessions(path, func(all map[string]SessionRecord) {
		all["gone"] = SessionRecord{Name: "gone", Namespace: "ns", Host: host, PID: 1 << 30}
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := RunningSessions(path)
	if err != nil || len(got) != 1 || got["web"].Pod != "web-1" || got["web"].Selector().LabelSelector["devspace.sh/dev-copy"] != "web-devspace" || got["web"].Selector().Namespace != "ns" {
		t.Fatalf("running sessions: %+v, %v; want web only, with its selector", got, err)
	}
	if err := forgetSession(path, "gone"); err != nil { // not this process's
		t.Fatal(err)
	}
	if all, _ := readSessions(path); len(all) != 2 {
		t.Errorf("forgetting another process's record removed it: %+v", all)
	}
	_ = updateSessions(path, func(all map[string]SessionRecord) { delete(all, "gone") })
	if err := forgetSession(path, "web"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the record file outlived its last session: %v", err)
	}
}
