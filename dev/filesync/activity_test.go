package filesync

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/kube/kubetest"
)

// activities collects what OnActivity is told.
type activities struct {
	mu   sync.Mutex
	list []Activity
}

func (a *activities) add(_ context.Context, x Activity) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.list = append(a.list, x)
}

func (a *activities) get() []Activity {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Activity{}, a.list...)
}

// TestSyncReportsBatches: an initial sync of 2,000 files is one Activity
// (not one per file); a local change is one upload naming the file; a
// change in the container one download; a file changed on both sides
// before sync sees either is a conflict, told with what was kept.
func TestSyncReportsBatches(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	sel := kube.Selector{Namespace: pod.Namespace, LabelSelector: map[string]string{"app": "sleeper"}}
	local := t.TempDir()
	for i := range 2000 {
		writeFile(t, filepath.Join(local, fmt.Sprintf("gen/f%04d.txt", i)), "0123456789\n")
	}
	var got activities
	runSync(t, c, sel, SyncConfig{Local: local, Remote: "/act", Upload: true, Download: true, Initial: KeepAll, OnActivity: got.add})
	first := got.get()
	if len(first) != 1 || !first[0].Initial || first[0].Up.Files != 2000 || first[0].Up.Bytes != 2000*11 || first[0].Down != (Transfer{}) {
		t.Fatalf("the initial sync of 2000 files told %+v, want one initial Activity of 2000 files, 22000 bytes up", first)
	}

	writeFile(t, filepath.Join(local, "one.txt"), "changed here\n")
	eventually(t, 15e9, func() string {
		if l := got.get(); len(l) < 2 || l[1].Up.Files != 1 || l[1].Up.Last != "one.txt" || l[1].Up.Bytes != 13 {
			return fmt.Sprintf("activities %+v, want an upload of one.txt next", l)
		}
		return ""
	})
	kubetest.Sh(t, c, pod, "echo made there > /act/there.txt")
	eventually(t, 15e9, func() string {
		if l := got.get(); len(l) < 3 || l[2].Down.Files != 1 || l[2].Down.Last != "there.txt" || l[2].Up != (Transfer{}) {
			return fmt.Sprintf("activities %+v, want a download of there.txt next", l)
		}
		return ""
	})
	if n := len(got.get()); n != 3 {
		t.Errorf("%d activities, want 3 (an echo of the download was told)", n)
	}
}

// TestSyncReportsConflicts: a local burst whose file changed in the
// container too is one Activity telling the conflict and what was kept;
// without downloads the container's change is overwritten, and that is
// told as a conflict too.
func TestSyncReportsConflicts(t *testing.T) {
	c, pod := kubetest.SleeperPod(t)
	for _, download := range []bool{true, false} {
		local := t.TempDir()
		writeFile(t, filepath.Join(local, "both.txt"), "base\n")
		var got activities
		remote := fmt.Sprintf("/conflict-%t", download)
		s, _ := connected(t, c, pod, SyncConfig{Local: local, Remote: remote, Upload: true, Download: download, OnActivity: got.add})
		writeFile(t, filepath.Join(local, "both.txt"), "local edit\n")
		setMtime(t, filepath.Join(local, "both.txt"), time.Now().Add(-time.Hour))
		kubetest.Sh(t, c, pod, "echo container edit > "+remote+"/both.txt")
		if err := s.localChanged(context.Background(), []string{"both.txt"}, nil); err != nil {
			t.Fatal(err)
		}
		l := got.get()
		want := "both.txt: kept the container's (newer), the other saved as both.txt.devspace-conflict-local-"
		if !download {
			want = "both.txt: changed in the container too; replaced with the local version (downloads are off)"
		}
		if len(l) != 2 || l[1].Conflicts != 1 || !strings.HasPrefix(l[1].LastConflict, want) {
			t.Errorf("download %t: activities %+v, want the initial sync's, then one conflict: %s…", download, l, want)
		}
	}
}
