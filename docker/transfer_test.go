package docker_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/imagebuild"
)

// bigContext writes n files of size random bytes into dir, in
// subdirectories of 100.
func bigContext(t testing.TB, dir string, n, size int) {
	t.Helper()
	data := make([]byte, size)
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("d%02d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		rand.Read(data)
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%04d", i)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var (
	sentBuildKit = regexp.MustCompile(`sent build context: (\d+) new or changed files, ([\d.]+)([kMG]?)B \(session traffic ([\d.]+)([kMG]?)B\)`)
	sentLegacy   = regexp.MustCompile(`sent build context: (\d+) files, ([\d.]+)([kMG]?)B in`)
)

// sentBytes reads the last "sent build context" line of a build log:
// files sent and bytes sent to the daemon (for BuildKit the whole session
// traffic, for legacy the tar's file content).
func sentBytes(t *testing.T, log, builder string) (files int, bytes float64) {
	t.Helper()
	re, fi, bi := sentLegacy, 1, 2
	if builder == "buildkit" {
		re, bi = sentBuildKit, 4
	}
	all := re.FindAllStringSubmatch(log, -1)
	if len(all) == 0 {
		t.Fatalf("no %q line in the log", re)
	}
	m := all[len(all)-1]
	files, _ = strconv.Atoi(m[fi])
	bytes, _ = strconv.ParseFloat(m[bi], 64)
	bytes *= map[string]float64{"": 1, "k": 1e3, "M": 1e6, "G": 1e9}[m[bi+1]]
	return files, bytes
}

// TestRebuildTransfer measures a rebuild after one file of a 20 MB context
// (2000 × 10 KiB) changed: bytes sent to the daemon and wall time, through
// a BuildKit session and with the classic builder's tar upload. BuildKit
// must send only the changed file (its session's shared key is stable per
// context directory).
func TestRebuildTransfer(t *testing.T) {
	if testing.Short() {
		t.Skip("20 MB context")
	}
	for _, builder := range []string{"buildkit", "legacy"} {
		t.Run(builder, func(t *testing.T) {
			_, b := setupBuilder(t, builder)
			req := newRequest(t, nil, "FROM devspace-test/busybox\nCOPY . /ctx\nRUN du -s /ctx\n")
			bigContext(t, req.ContextDir, 2000, 10<<10)
			first := buildTimed(t, b, withFiles(t, req))
			changed := filepath.Join(req.ContextDir, "d07", "f0700")
			if err := os.WriteFile(changed, []byte("changed"), 0o644); err != nil {
				t.Fatal(err)
			}
			again := buildTimed(t, b, withFiles(t, req))
			files, bytes := sentBytes(t, buildLog(req), builder)
			t.Logf("%s: first build %s; rebuild after one file changed: %s, sent %d files, %.1f kB to the daemon",
				builder, first, again, files, bytes/1e3)
			if builder == "buildkit" && (files != 1 || bytes > 1e6) {
				t.Errorf("BuildKit rebuild sent %d files, %.0f bytes; want the one changed file", files, bytes)
			}
		})
	}
}

func buildTimed(t *testing.T, b interface {
	Build(context.Context, imagebuild.Request) (imagebuild.Result, error)
}, req imagebuild.Request) time.Duration {
	t.Helper()
	start := time.Now()
	if _, err := b.Build(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	return time.Since(start).Round(time.Millisecond)
}

// TestContextBytesSent: req.Sent counts the build context as it is sent,
// on both paths: a context of one 1 MiB file sends at least 1 MiB and
// well under 2 (the tar's headers, the Dockerfile). A BuildKit rebuild of
// the same directory sends only what changed (here nothing), the classic
// builder's tar upload all of it again.
func TestContextBytesSent(t *testing.T) {
	for _, builder := range []string{"buildkit", "legacy"} {
		t.Run(builder, func(t *testing.T) {
			t.Parallel()
			_, b := setupBuilder(t, builder)
			req := newRequest(t, nil, "FROM devspace-test/busybox\nCOPY big /big\n")
			big := make([]byte, 1<<20)
			rand.Read(big)
			if err := os.WriteFile(filepath.Join(req.ContextDir, "big"), big, 0o644); err != nil {
				t.Fatal(err)
			}
			sent := func() int64 {
				t.Helper()
				r := withFiles(t, req)
				r.Sent = &imagebuild.Sent{}
				mustBuild(t, b, r)
				n, counted := r.Sent.Bytes()
				if !counted {
					t.Fatal("the builder counted no bytes sent")
				}
				return n
			}
			if n := sent(); n < 1<<20 || n >= 2<<20 {
				t.Errorf("first build sent %d bytes, want at least 1 MiB (%d) and under 2 MiB", n, 1<<20)
			}
			n := sent()
			if builder == "buildkit" && n >= 64<<10 {
				t.Errorf("BuildKit rebuild of an unchanged context sent %d bytes, want only the changed files (none)", n)
			}
			if builder == "legacy" && n < 1<<20 {
				t.Errorf("classic rebuild sent %d bytes, want the whole context (at least 1 MiB) again", n)
			}
		})
	}
}
