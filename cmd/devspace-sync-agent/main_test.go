package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devspace-engine/devspace/dev/syncproto"
)

// TestLinksLittle: the agent is copied into every dev container, so it
// links the standard library, syncproto, x/sys and x/crypto (the SSH
// server) only (no client-go).
func TestLinksLittle(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		first, _, _ := strings.Cut(pkg, "/")
		if strings.Contains(first, ".") && !strings.HasPrefix(pkg, "golang.org/x/sys/") && !strings.HasPrefix(pkg, "golang.org/x/crypto/") &&
			pkg != "github.com/devspace-engine/devspace/dev/syncproto" &&
			pkg != "github.com/devspace-engine/devspace/cmd/devspace-sync-agent" {
			t.Errorf("the agent links %s", pkg)
		}
	}
}

// agentProc is the agent run here, on a temporary directory.
type agentProc struct {
	t       *testing.T
	in      io.WriteCloser
	out     *bufio.Reader
	cmd     *exec.Cmd
	changes chan []syncproto.Change
	resp    chan []byte
}

var agentBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sync-agent-test-")
	if err != nil {
		panic(err)
	}
	agentBin = filepath.Join(dir, "devspace-sync-agent")
	build := exec.Command("go", "build", "-o", agentBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func startAgent(t *testing.T, root string, flags ...string) *agentProc {
	t.Helper()
	cmd := exec.Command(agentBin, append(flags, root)...)
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &agentProc{t: t, in: in, out: bufio.NewReader(out), cmd: cmd, changes: make(chan []syncproto.Change, 100), resp: make(chan []byte, 1)}
	typ, data, err := syncproto.ReadFrame(a.out)
	if err != nil || typ != syncproto.Hello || string(data) != syncproto.Version {
		t.Fatalf("hello: %q %q %v", typ, data, err)
	}
	go func() {
		for {
			typ, data, err := syncproto.ReadFrame(a.out)
			if err != nil {
				close(a.changes)
				return
			}
			if typ == syncproto.Changes {
				var cs []syncproto.Change
				_ = json.Unmarshal(data, &cs)
				a.changes <- cs
			} else {
				a.resp <- data
			}
		}
	}()
	t.Cleanup(func() { in.Close(); _ = cmd.Wait() })
	return a
}

func (a *agentProc) call(typ byte, payload []byte, out any) {
	a.t.Helper()
	if err := syncproto.WriteFrame(a.in, typ, payload); err != nil {
		a.t.Fatal(err)
	}
	select {
	case data := <-a.resp:
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				a.t.Fatalf("%s: %v", data, err)
			}
		}
	case <-time.After(10 * time.Second):
		a.t.Fatalf("no answer to %q", typ)
	}
}

// changeWhere waits for a report about path that ok accepts (a scan
// may catch a write half done: it is reported again when done).
func (a *agentProc) changeWhere(path string, ok func(*syncproto.Entry) bool) *syncproto.Entry {
	a.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case cs := <-a.changes:
			for _, c := range cs {
				if c.Path == path && ok(c.Entry) {
					return c.Entry
				}
			}
		case <-deadline:
			a.t.Fatalf("no change reported for %s", path)
		}
	}
}

func (a *agentProc) noChange(within time.Duration) {
	a.t.Helper()
	select {
	case cs := <-a.changes:
		a.t.Errorf("unexpected changes: %+v", cs)
	case <-time.After(within):
	}
}

// TestAgent: listing, conditional writes and deletes, reads, and change
// reports that leave out the agent's own writes, with inotify and with
// polling. The agent exits when its stdin closes.
func TestAgent(t *testing.T) {
	for _, flags := range [][]string{nil, {"-poll", "50ms"}} {
		t.Run(strings.Join(append([]string{"watch"}, flags...), " "), func(t *testing.T) {
			root := t.TempDir()
			os.MkdirAll(filepath.Join(root, "sub"), 0o755)
			os.WriteFile(filepath.Join(root, "sub", "a.txt"), []byte("aaa"), 0o640)
			a := startAgent(t, root, flags...)

			var list []syncproto.Entry
			a.call(syncproto.List, nil, &list)
			if len(list) != 1 || list[0].Path != "sub/a.txt" || list[0].Size != 3 || list[0].Mode != 0o640 {
				t.Fatalf("listing %+v", list)
			}
			// A put that expects the listed state succeeds; one that
			// expects absence is a conflict and writes nothing.
			var s syncproto.FileStream
			mtime := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC).UnixNano()
			s.Add(syncproto.FileHeader{Entry: syncproto.Entry{Path: "sub/a.txt", MTime: mtime, Mode: 0o600}, Expect: syncproto.Expect{Entry: &list[0]}}, []byte("new a"))
			s.Add(syncproto.FileHeader{Entry: syncproto.Entry{Path: "new/dir/b.txt", MTime: mtime}}, []byte("b"))
			s.Add(syncproto.FileHeader{Entry: syncproto.Entry{Path: "sub/a.txt"}}, []byte("must not be written"))
			payload, _ := s.Bytes()
			var res []syncproto.Result
			a.call(syncproto.Put, payload, &res)
			if len(res) != 3 || res[0].Entry == nil || res[0].Entry.MTime != mtime || res[1].Entry == nil || !res[2].Conflict {
				t.Fatalf("put results %+v", res)
			}
			if data, _ := os.ReadFile(filepath.Join(root, "sub", "a.txt")); string(data) != "new a" {
				t.Fatalf("a.txt is %q", data)
			}
			a.noChange(300 * time.Millisecond) // its own writes are not reported

			// Changes made by others are, in new directories too.
			os.WriteFile(filepath.Join(root, "sub", "a.txt"), []byte("changed by the app"), 0o644)
			a.changeWhere("sub/a.txt", func(e *syncproto.Entry) bool { return e != nil && e.Size == 18 })
			os.WriteFile(filepath.Join(root, "new", "dir", "c.txt"), []byte("c"), 0o644)
			a.changeWhere("new/dir/c.txt", func(e *syncproto.Entry) bool { return e != nil && e.Size == 1 })
			os.MkdirAll(filepath.Join(root, "x", "y"), 0o755)
			os.WriteFile(filepath.Join(root, "x", "y", "z.txt"), []byte("z"), 0o644)
			a.changeWhere("x/y/z.txt", func(e *syncproto.Entry) bool { return e != nil && e.Size == 1 })
			os.RemoveAll(filepath.Join(root, "x"))
			a.changeWhere("x/y/z.txt", func(e *syncproto.Entry) bool { return e == nil })

			// Delete: only as expected; emptied directories go too.
			b := syncproto.Stat(root, "new/dir/b.txt")
			a.call(syncproto.Delete, mustJSON(t, []syncproto.Expect{{Path: "new/dir/b.txt", Entry: b}, {Path: "new/dir/c.txt", Entry: b}}), &res)
			if res[0].Err != "" || res[0].Conflict || !res[1].Conflict {
				t.Fatalf("delete results %+v", res)
			}
			a.noChange(300 * time.Millisecond)

			// Get returns content with its state.
			a.call(syncproto.Get, mustJSON(t, []string{"sub/a.txt", "missing"}), nil)
			os.Remove(filepath.Join(root, "new", "dir", "c.txt"))
			a.changeWhere("new/dir/c.txt", func(e *syncproto.Entry) bool { return e == nil })

			a.in.Close()
			done := make(chan error)
			go func() { done <- a.cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("agent exit: %v", err)
				}
			case <-time.After(2 * time.Second):
				t.Error("the agent did not exit when its stdin closed")
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
