package filesync

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/dev/agent/agenttest"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
)

// TestSyncBothWays: the initial sync (preferLocal) uploads local files
// and brings back the container's; then local changes go up, changes made
// in the container come down (pushed by the agent, no polling), deletes
// propagate both ways for synced files, excludes hold, and nothing a
// download wrote is uploaded back.
func TestSyncBothWays(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	sel := kube.Selector{Namespace: pod.Namespace, LabelSelector: map[string]string{"app": "sleeper"}}
	local := t.TempDir()
	writeFile(t, filepath.Join(local, "a.txt"), "a local\n")
	writeFile(t, filepath.Join(local, "sub/b.txt"), "b local\n")
	writeFile(t, filepath.Join(local, "notes.tmp"), "local only\n")
	kubetest.Sh(t, c, pod, "mkdir -p /data/made && echo remote r > /data/made/r.txt && echo skip > /data/skip.log && echo kept > /data/kept.txt")
	log := runSync(t, c, sel, SyncConfig{
		Local: local, Remote: "/data", Upload: true, Download: true,
		Exclude: []string{"*.tmp"}, DownloadExclude: []string{"*.log"},
	})
	remoteIs(t, c, pod, "/data/a.txt", "a local\n")
	remoteIs(t, c, pod, "/data/sub/b.txt", "b local\n")
	remoteIs(t, c, pod, "/data/notes.tmp", "")
	localIs(t, filepath.Join(local, "made/r.txt"), "remote r\n")
	localIs(t, filepath.Join(local, "skip.log"), "")

	// Local → container: a change, a new file in a new directory, a delete.
	writeFile(t, filepath.Join(local, "a.txt"), "a changed here\n")
	writeFile(t, filepath.Join(local, "new/dir/n.txt"), "new here\n")
	if err := os.Remove(filepath.Join(local, "sub/b.txt")); err != nil {
		t.Fatal(err)
	}
	remoteIs(t, c, pod, "/data/a.txt", "a changed here\n")
	remoteIs(t, c, pod, "/data/new/dir/n.txt", "new here\n")
	remoteIs(t, c, pod, "/data/sub/b.txt", "")

	// Container → local: a change, a new file in a new directory, a delete.
	uploadsBefore := strings.Count(log.String(), " uploaded,")
	start := time.Now()
	kubetest.Sh(t, c, pod, "echo r changed there > /data/made/r.txt && mkdir -p /data/deep/er && echo new there > /data/deep/er/x.txt && rm /data/new/dir/n.txt")
	localIs(t, filepath.Join(local, "made/r.txt"), "r changed there\n")
	localIs(t, filepath.Join(local, "deep/er/x.txt"), "new there\n")
	localIs(t, filepath.Join(local, "new/dir/n.txt"), "")
	t.Logf("container changes here after %s", time.Since(start).Round(time.Millisecond))
	// The new file in the new directory is watched too.
	kubetest.Sh(t, c, pod, "echo again > /data/deep/er/x.txt")
	localIs(t, filepath.Join(local, "deep/er/x.txt"), "again\n")

	// A file the container had before sync started, and never synced
	// here (kept.txt was downloaded: it is synced), versus one made
	// locally and excluded: the excluded one is never deleted there.
	time.Sleep(300 * time.Millisecond) // any echo of the downloads would have come
	if n := strings.Count(log.String(), " uploaded,"); n != uploadsBefore {
		t.Errorf("downloads were uploaded back (%d upload lines, %d before):\n%s", n, uploadsBefore, log.String())
	}
}

// TestSyncResumesOnNewPodAndLeavesNoAgent: the pod going away resumes
// the sync on the next one (a new initial sync), and when the sync ends
// no agent process is left in the container.
func TestSyncResumesOnNewPodAndLeavesNoAgent(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	sel := kube.Selector{Namespace: pod.Namespace, LabelSelector: map[string]string{"app": "sleeper"}}
	local := t.TempDir()
	writeFile(t, filepath.Join(local, "page.txt"), "one\n")
	agent := agenttest.Agent(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var log kube.LockedBuffer
	ready := make(chan error, 1)
	done := make(chan error, 1)
	next := func(ctx context.Context) (kube.Pod, error) { return kube.WaitPod(ctx, c, sel) }
	go func() {
		done <- Sync(ctx, c, next, SyncConfig{Local: local, Remote: "/data", Upload: true, Download: true, Agent: agent}, &log, ready)
	}()
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	remoteIs(t, c, pod, "/data/page.txt", "one\n")

	kubetest.DeletePod(t, c, pod)
	second := kubetest.WaitPod(t, c, sel)
	took := eventually(t, 30*time.Second, func() string {
		if out, _, _ := kubetest.Exec(t, c, second, "cat", "/data/page.txt"); out != "one\n" {
			return "the new pod has no page.txt:\n" + log.String()
		}
		return ""
	})
	t.Logf("synced into the new pod %s after it was ready", took.Round(time.Millisecond))
	writeFile(t, filepath.Join(local, "page.txt"), "two\n")
	remoteIs(t, c, second, "/data/page.txt", "two\n")
	kubetest.Sh(t, c, second, "echo from the new pod > /data/there.txt")
	localIs(t, filepath.Join(local, "there.txt"), "from the new pod\n")

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, func() string {
		if ps := kubetest.Sh(t, c, second, "ps -o pid,args | grep [d]evspace-sync-agent || true"); ps != "" {
			return "agent still running after the sync ended:\n" + ps
		}
		return ""
	})
	t.Logf("sync log:\n%s", log.String())
}

// TestSyncOptions: polling finds container changes without inotify;
// disableDownload leaves them there; noWatch syncs once and returns;
// without waitInitialSync, start is not held for the initial sync, which
// still completes.
func TestSyncOptions(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	sel := kube.Selector{Namespace: pod.Namespace, LabelSelector: map[string]string{"app": "sleeper"}}

	t.Run("polling", func(t *testing.T) {
		local := t.TempDir()
		runSync(t, c, sel, SyncConfig{Local: local, Remote: "/poll", Upload: true, Download: true, Polling: true})
		if ps := kubetest.Sh(t, c, pod, "ps -o args | grep [d]evspace-sync-agent"); !strings.Contains(ps, "-poll") {
			t.Errorf("agent not polling: %q", ps)
		}
		kubetest.Sh(t, c, pod, "echo polled > /poll/p.txt")
		localIs(t, filepath.Join(local, "p.txt"), "polled\n")
	})

	t.Run("disableDownload", func(t *testing.T) {
		local := t.TempDir()
		writeFile(t, filepath.Join(local, "up.txt"), "up\n")
		kubetest.Sh(t, c, pod, "mkdir -p /nodown && echo there > /nodown/there.txt")
		runSync(t, c, sel, SyncConfig{Local: local, Remote: "/nodown", Upload: true})
		remoteIs(t, c, pod, "/nodown/up.txt", "up\n")
		kubetest.Sh(t, c, pod, "echo later > /nodown/later.txt")
		writeFile(t, filepath.Join(local, "up.txt"), "up again\n")
		remoteIs(t, c, pod, "/nodown/up.txt", "up again\n")
		if _, err := os.Stat(filepath.Join(local, "there.txt")); err == nil {
			t.Error("there.txt was downloaded")
		}
		if _, err := os.Stat(filepath.Join(local, "later.txt")); err == nil {
			t.Error("later.txt was downloaded")
		}
	})

	t.Run("noWatch", func(t *testing.T) {
		local := t.TempDir()
		writeFile(t, filepath.Join(local, "once.txt"), "once\n")
		ready := make(chan error, 1)
		next := func(ctx context.Context) (kube.Pod, error) { return kube.WaitPod(ctx, c, sel) }
		var log kube.LockedBuffer
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		err := Sync(ctx, c, next, SyncConfig{Local: local, Remote: "/once", Upload: true, Download: true, NoWatch: true, Agent: agenttest.Agent(t)}, &log, ready)
		if err != nil || <-ready != nil {
			t.Fatalf("noWatch sync: %v\n%s", err, log.String())
		}
		remoteIs(t, c, pod, "/once/once.txt", "once\n")
	})

	t.Run("no waitInitialSync", func(t *testing.T) {
		local := t.TempDir()
		for i := range 300 {
			writeFile(t, filepath.Join(local, "many", strings.Repeat("x", i%7)+string(rune('a'+i%26))+time.Duration(i).String()), strings.Repeat("y", 10<<10))
		}
		log := runSync(t, c, sel, SyncConfig{Local: local, Remote: "/nowait", Upload: true, Download: true, NoWaitInitial: true})
		if strings.Contains(log.String(), "files uploaded") {
			t.Logf("the initial sync was done before ready (fast machine):\n%s", log.String())
		}
		eventually(t, 30*time.Second, func() string {
			if !strings.Contains(log.String(), "300 files uploaded") {
				return "initial sync not done:\n" + log.String()
			}
			return ""
		})
	})
}

// TestSyncOnUploadExec: after an upload, the commands whose onChange
// patterns match an uploaded file run in the container, in order; a
// Once command runs once; a failing command is logged and sync goes on,
// unless FailOnError, which ends the sync with the error.
func TestSyncOnUploadExec(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	sel := kube.Selector{Namespace: pod.Namespace, LabelSelector: map[string]string{"app": "sleeper"}}
	local := t.TempDir()
	writeFile(t, filepath.Join(local, "main.go"), "package main\n")
	log := runSync(t, c, sel, SyncConfig{Local: local, Remote: "/src", Upload: true, Download: true, OnUpload: []UploadExec{
		{Name: "go", Command: []string{"sh", "-c", "echo go >> /tmp/ran"}, OnChange: []string{"*.go"}},
		{Name: "any", Command: []string{"sh", "-c", "echo any >> /tmp/ran"}},
		{Name: "once", Command: []string{"sh", "-c", "echo once >> /tmp/ran"}, Once: true},
		{Name: "fails", Command: []string{"sh", "-c", "echo broken; exit 3"}, OnChange: []string{"docs/"}},
	}})
	remoteIs(t, c, pod, "/tmp/ran", "go\nany\nonce\n") // the initial upload
	writeFile(t, filepath.Join(local, "notes.txt"), "x\n")
	remoteIs(t, c, pod, "/tmp/ran", "go\nany\nonce\nany\n")
	writeFile(t, filepath.Join(local, "docs/a.md"), "doc\n")
	remoteIs(t, c, pod, "/tmp/ran", "go\nany\nonce\nany\nany\n")
	eventually(t, 10*time.Second, func() string {
		if !strings.Contains(log.String(), "onUpload fails: command terminated with exit code 3\nbroken\n") {
			return "the failure is not logged:\n" + log.String()
		}
		return ""
	})
	writeFile(t, filepath.Join(local, "main.go"), "package main // changed\n")
	remoteIs(t, c, pod, "/tmp/ran", "go\nany\nonce\nany\nany\ngo\nany\n")

	t.Run("failOnError", func(t *testing.T) {
		local := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var log kube.LockedBuffer
		ready := make(chan error, 1)
		next := func(ctx context.Context) (kube.Pod, error) { return kube.WaitPod(ctx, c, sel) }
		done := make(chan error, 1)
		go func() {
			done <- Sync(ctx, c, next, SyncConfig{Local: local, Remote: "/src2", Upload: true, Download: true, Agent: agenttest.Agent(t),
				OnUpload: []UploadExec{{Name: "strict", Command: []string{"false"}, FailOnError: true}}}, &log, ready)
		}()
		if err := <-ready; err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(local, "x.txt"), "x\n")
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "onUpload strict: command terminated with exit code 1") {
				t.Fatalf("sync ended with %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("the sync did not stop:\n%s", log.String())
		}
	})
}

// TestAgentExitsWhenTheConnectionDrops: devspace killed (no clean close
// of the agent's stdin, the exec connection just drops) leaves no agent
// in the container either.
func TestAgentExitsWhenTheConnectionDrops(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	conn, err := startAgent(context.Background(), c, pod, agenttest.Agent(t), "/dropped", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ps := kubetest.Sh(t, c, pod, "ps -o args | grep [d]evspace-sync-agent || true"); ps == "" {
		t.Fatal("no agent running")
	}
	conn.cancel() // cut the connection, as a killed process would
	<-conn.execDone
	took := eventually(t, 10*time.Second, func() string {
		if ps := kubetest.Sh(t, c, pod, "ps -o args | grep [d]evspace-sync-agent || true"); ps != "" {
			return "agent still running after the connection dropped:\n" + ps
		}
		return ""
	})
	t.Logf("the agent was gone %s after the connection dropped", took.Round(time.Millisecond))
	conn.close()
}

// TestSyncManyDownloads: a burst of files made in the container (more
// than one batch by size) all come down.
func TestSyncManyDownloads(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	sel := kube.Selector{Namespace: pod.Namespace, LabelSelector: map[string]string{"app": "sleeper"}}
	local := t.TempDir()
	runSync(t, c, sel, SyncConfig{Local: local, Remote: "/many", Upload: true, Download: true})
	start := time.Now()
	// 300 files of 64 KiB: about 19 MiB, three batches.
	kubetest.Sh(t, c, pod, "mkdir -p /many/gen && cd /many/gen && head -c 65536 /dev/zero > f0 && i=1; while [ $i -lt 300 ]; do cp f0 f$i; i=$((i+1)); done")
	eventually(t, 60*time.Second, func() string {
		ents, _ := os.ReadDir(filepath.Join(local, "gen"))
		if len(ents) != 300 {
			return fmt.Sprintf("downloaded %d of 300 files", len(ents))
		}
		for _, e := range ents {
			if info, err := e.Info(); err != nil || info.Size() != 65536 {
				return e.Name() + " is not complete"
			}
		}
		return ""
	})
	t.Logf("300 × 64 KiB made in the container were here after %s", time.Since(start).Round(time.Millisecond))
}
