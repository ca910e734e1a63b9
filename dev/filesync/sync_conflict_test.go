package filesync

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/dev/agent/agenttest"
	"github.com/devspace-engine/devspace/dev/syncproto"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
)

// connected is a syncer on the pod after its initial sync, driven step
// by step by the test (no follow loop), so that both sides can change
// before sync sees either.
func connected(t *testing.T, c *kube.Client, pod kube.Pod, cfg SyncConfig) (*syncer, *kube.LockedBuffer) {
	t.Helper()
	cfg.Agent = agenttest.Agent(t)
	var log kube.LockedBuffer
	s := &syncer{c: c, cfg: cfg, log: &log}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	if err := s.connect(ctx, pod); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.disconnect)
	if err := s.initial(ctx); err != nil {
		t.Fatal(err)
	}
	return s, &log
}

// remoteChanges waits for the agent's report of paths.
func remoteChanges(t *testing.T, s *syncer, paths ...string) map[string]*syncproto.Entry {
	t.Helper()
	got := map[string]*syncproto.Entry{}
	deadline := time.After(10 * time.Second)
	for {
		missing := slices.ContainsFunc(paths, func(p string) bool { _, ok := got[p]; return !ok })
		if !missing {
			return got
		}
		select {
		case <-s.conn.notify:
			for p, e := range s.conn.takeChanges() {
				got[p] = e
			}
		case <-deadline:
			t.Fatalf("no report of %v; got %v", paths, got)
		}
	}
}

func setMtime(t *testing.T, name string, when time.Time) {
	t.Helper()
	if err := os.Chtimes(name, when, when); err != nil {
		t.Fatal(err)
	}
}

// conflictCopy returns the content of the one conflict copy of name
// saved from side, locally.
func conflictCopy(t *testing.T, name, side string) string {
	t.Helper()
	matches, _ := filepath.Glob(name + ".devspace-conflict-" + side + "-*")
	if len(matches) != 1 {
		t.Fatalf("conflict copies of %s from %s: %v", name, side, matches)
	}
	data, _ := os.ReadFile(matches[0])
	return string(data)
}

// TestSyncConflicts: a file changed on both sides keeps the newer in
// place and the other beside it, on both sides; a delete on one side of
// a file changed on the other keeps the changed file.
func TestSyncConflicts(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	local := t.TempDir()
	for _, f := range []string{"remote-newer.txt", "local-newer.txt", "deleted-here.txt", "deleted-there.txt"} {
		writeFile(t, filepath.Join(local, f), "base\n")
	}
	s, log := connected(t, c, pod, SyncConfig{Local: local, Remote: "/c", Upload: true, Download: true})
	ctx := context.Background()

	// Both change remote-newer.txt; the container's change is newer. The
	// local change is seen first: its upload finds the container's copy
	// changed.
	writeFile(t, filepath.Join(local, "remote-newer.txt"), "local edit\n")
	setMtime(t, filepath.Join(local, "remote-newer.txt"), time.Now().Add(-time.Hour))
	kubetest.Sh(t, c, pod, "echo container edit > /c/remote-newer.txt")
	if err := s.localChanged(ctx, []string{"remote-newer.txt"}, nil); err != nil {
		t.Fatal(err)
	}
	localIs(t, filepath.Join(local, "remote-newer.txt"), "container edit\n")
	if got := conflictCopy(t, filepath.Join(local, "remote-newer.txt"), "local"); got != "local edit\n" {
		t.Errorf("local conflict copy %q", got)
	}
	if got := kubetest.Sh(t, c, pod, "cat /c/remote-newer.txt /c/remote-newer.txt.devspace-conflict-local-*"); got != "container edit\nlocal edit\n" {
		t.Errorf("in the container: %q", got)
	}

	// Both change local-newer.txt; the local change is newer. The
	// container's change is seen first.
	kubetest.Sh(t, c, pod, "echo container edit > /c/local-newer.txt")
	changes := remoteChanges(t, s, "local-newer.txt")
	writeFile(t, filepath.Join(local, "local-newer.txt"), "local edit\n")
	setMtime(t, filepath.Join(local, "local-newer.txt"), time.Now().Add(time.Hour))
	if err := s.remoteChanged(ctx, changes); err != nil {
		t.Fatal(err)
	}
	localIs(t, filepath.Join(local, "local-newer.txt"), "local edit\n")
	if got := conflictCopy(t, filepath.Join(local, "local-newer.txt"), "remote"); got != "container edit\n" {
		t.Errorf("container's conflict copy %q", got)
	}
	if got := kubetest.Sh(t, c, pod, "cat /c/local-newer.txt /c/local-newer.txt.devspace-conflict-remote-*"); got != "local edit\ncontainer edit\n" {
		t.Errorf("in the container: %q", got)
	}

	// Deleted here, changed there: the change comes back.
	kubetest.Sh(t, c, pod, "echo changed there > /c/deleted-here.txt")
	os.Remove(filepath.Join(local, "deleted-here.txt"))
	if err := s.localChanged(ctx, nil, []string{"deleted-here.txt"}); err != nil {
		t.Fatal(err)
	}
	localIs(t, filepath.Join(local, "deleted-here.txt"), "changed there\n")
	remoteIs(t, c, pod, "/c/deleted-here.txt", "changed there\n")

	// Deleted there, changed here: the change goes back.
	kubetest.Sh(t, c, pod, "rm /c/deleted-there.txt")
	changes = remoteChanges(t, s, "deleted-there.txt")
	writeFile(t, filepath.Join(local, "deleted-there.txt"), "changed here\n")
	if err := s.remoteChanged(ctx, changes); err != nil {
		t.Fatal(err)
	}
	remoteIs(t, c, pod, "/c/deleted-there.txt", "changed here\n")
	localIs(t, filepath.Join(local, "deleted-there.txt"), "changed here\n")
	if n := strings.Count(log.String(), "conflict:"); n != 2 {
		t.Errorf("%d conflicts logged, want 2:\n%s", n, log.String())
	}
	t.Logf("log:\n%s", log.String())
}

// TestSyncInitialModes: each initialSync mode with a file only here, one
// only there, one equal in content but not in mtime (compared by hash,
// not transferred) and one that differs (the container's is newer).
func TestSyncInitialModes(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	type want struct{ local, remote map[string]string }
	both := func(m map[string]string) want { return want{m, m} }
	check := func(name string, mode InitialSync, download bool, w want) {
		t.Run(name, func(t *testing.T) {
			local := t.TempDir()
			remote := "/modes/" + name
			for name, content := range map[string]string{"only-local": "L", "same": "S", "differ": "L"} {
				writeFile(t, filepath.Join(local, name), content)
				setMtime(t, filepath.Join(local, name), old)
			}
			kubetest.Sh(t, c, pod, "mkdir -p "+remote+" && cd "+remote+" && printf R > only-remote && printf S > same && printf R > differ")
			connected(t, c, pod, SyncConfig{Local: local, Remote: remote, Upload: true, Download: download, Initial: mode})
			if got := localFiles(t, local); !equalMaps(got, w.local) {
				t.Errorf("local: %v, want %v", got, w.local)
			}
			if got := remoteFiles(t, c, pod, remote); !equalMaps(got, w.remote) {
				t.Errorf("container: %v, want %v", got, w.remote)
			}
			if info, err := os.Stat(filepath.Join(local, "same")); err != nil || !info.ModTime().Equal(old) {
				t.Errorf("same was transferred (local mtime %v)", info.ModTime())
			}
		})
	}
	for _, tc := range []struct {
		mode InitialSync
		want want
	}{
		{MirrorLocal, want{
			map[string]string{"only-local": "L", "same": "S", "differ": "L"},
			map[string]string{"only-local": "L", "same": "S", "differ": "L"}}},
		{MirrorRemote, want{
			map[string]string{"only-remote": "R", "same": "S", "differ": "R"},
			map[string]string{"only-remote": "R", "same": "S", "differ": "R"}}},
		{PreferLocal, both(map[string]string{"only-local": "L", "only-remote": "R", "same": "S", "differ": "L"})},
		{PreferRemote, both(map[string]string{"only-local": "L", "only-remote": "R", "same": "S", "differ": "R"})},
		{PreferNewest, both(map[string]string{"only-local": "L", "only-remote": "R", "same": "S", "differ": "R"})},
		{KeepAll, both(map[string]string{"only-local": "L", "only-remote": "R", "same": "S", "differ": "R", "differ.devspace-conflict-local": "L"})},
		{NoInitial, want{
			map[string]string{"only-local": "L", "same": "S", "differ": "L"},
			map[string]string{"only-remote": "R", "same": "S", "differ": "R"}}},
	} {
		check(string(tc.mode), tc.mode, true, tc.want)
	}
	// Without downloads: mirrorLocal still deletes there, preferLocal
	// leaves the container's own files alone.
	check("mirrorLocal-disableDownload", MirrorLocal, false, want{
		map[string]string{"only-local": "L", "same": "S", "differ": "L"},
		map[string]string{"only-local": "L", "same": "S", "differ": "L"}})
	check("preferLocal-disableDownload", PreferLocal, false, want{
		map[string]string{"only-local": "L", "same": "S", "differ": "L"},
		map[string]string{"only-local": "L", "only-remote": "R", "same": "S", "differ": "L"}})
}

// localFiles maps each file under dir to its content, conflict copies
// without their time.
func localFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		out[trimStamp(e.Name())] = string(data)
	}
	return out
}

func remoteFiles(t *testing.T, c *kube.Client, pod kube.Pod, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range strings.Fields(kubetest.Sh(t, c, pod, "ls "+dir)) {
		out[trimStamp(name)] = kubetest.Sh(t, c, pod, "cat "+dir+"/"+name)
	}
	return out
}

func trimStamp(name string) string {
	if i := strings.Index(name, ".devspace-conflict-"); i >= 0 {
		side := strings.SplitN(name[i+len(".devspace-conflict-"):], "-", 2)[0]
		return name[:i] + ".devspace-conflict-" + side
	}
	return name
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
