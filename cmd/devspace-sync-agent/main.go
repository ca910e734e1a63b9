// Command devspace-sync-agent is the in-container side of devspace's file
// sync. devspace copies it into the container over exec and runs it there,
// speaking the framed protocol of package syncproto on stdin and stdout:
//
//	devspace-sync-agent [-poll INTERVAL] [-nowatch] DIR
//	devspace-sync-agent -version
//	devspace-sync-agent reverse-listen ADDR
//	devspace-sync-agent reverse-dial SOCKET
//	devspace-sync-agent ssh-server ADDR
//	devspace-sync-agent proxy-install PORT NAME...
//	NAME ARGS... (a proxied command: the agent linked as NAME)
//	devspace-git-credential get|store|erase (linked too with gitCredentials)
//
// It lists the tree under DIR, reports changes to it as they happen
// (inotify; with -poll, a rescan every INTERVAL; with -nowatch, none),
// writes the files it receives atomically (temporary file and rename),
// deletes and sends files on request. It exits when its stdin closes. It
// is static and links only the standard library, golang.org/x/sys and,
// for the SSH server of dev.*.ssh, golang.org/x/crypto/ssh.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/devspace-engine/devspace/dev/syncproto"
)

func main() {
	if isProxied() {
		os.Exit(proxyRun())
	}
	if argOr(1) == "proxy-install" && len(os.Args) >= 4 {
		if err := proxyInstall(os.Args[2], os.Args[3:]); err != nil {
			fmt.Fprintln(os.Stderr, "devspace-sync-agent:", err)
			os.Exit(1)
		}
		return
	}
	subcommands := map[string]func(string) error{"reverse-listen": reverseListen, "reverse-dial": reverseDial, "ssh-server": sshServer}
	if run := subcommands[argOr(1)]; run != nil && len(os.Args) == 3 {
		if err := run(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "devspace-sync-agent:", err)
			os.Exit(1)
		}
		return
	}
	poll := flag.Duration("poll", 0, "rescan the tree at this interval instead of using inotify")
	noWatch := flag.Bool("nowatch", false, "do not report changes")
	version := flag.Bool("version", false, "print the protocol version and exit")
	flag.Parse()
	if *version {
		fmt.Println(syncproto.Version)
		return
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: devspace-sync-agent [-poll INTERVAL] [-nowatch] DIR")
		os.Exit(2)
	}
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	a := &agent{root: flag.Arg(0), out: out, tree: newTree()}
	if err := a.run(os.Stdin, *poll, *noWatch); err != nil {
		a.fatal(err)
	}
}

// argOr is os.Args[i], or "" when there are fewer arguments.
func argOr(i int) string {
	if i < len(os.Args) {
		return os.Args[i]
	}
	return ""
}

type agent struct {
	root string
	wmu  sync.Mutex // one frame at a time on out
	out  *bufio.Writer
	// mu is held while the tree is scanned or written, so that the
	// agent's own writes are in the snapshot before a scan compares.
	mu   sync.Mutex
	tree *tree
}

func (a *agent) run(in io.Reader, poll time.Duration, noWatch bool) error {
	if err := os.MkdirAll(a.root, 0o755); err != nil {
		return err
	}
	var w *inotify
	if !noWatch && poll == 0 {
		var err error
		if w, err = newInotify(); err != nil {
			return err
		}
	}
	a.mu.Lock()
	a.tree.scan(a.root, ".", true, w)
	a.mu.Unlock()
	if err := a.send(syncproto.Hello, []byte(syncproto.Version)); err != nil {
		return err
	}
	switch {
	case w != nil:
		go a.watch(w)
	case !noWatch:
		go a.poll(poll)
	}
	r := bufio.NewReaderSize(in, 64<<10)
	for {
		typ, payload, err := syncproto.ReadFrame(r)
		if errors.Is(err, io.EOF) {
			os.Exit(0) // the local side is gone: so are we
		}
		if err != nil {
			return err
		}
		rtyp, resp, err := a.handle(typ, payload)
		if err != nil {
			return err
		}
		if err := a.send(rtyp, resp); err != nil {
			return err
		}
	}
}

func (a *agent) handle(typ byte, payload []byte) (byte, []byte, error) {
	switch typ {
	case syncproto.List:
		a.mu.Lock()
		a.tree.scan(a.root, ".", true, nil) // fresh; the listing reports it
		list := a.tree.entries()
		a.mu.Unlock()
		return marshal(syncproto.Listing, list)
	case syncproto.Hash:
		var paths []string
		if err := json.Unmarshal(payload, &paths); err != nil {
			return 0, nil, err
		}
		sums := map[string]string{}
		for _, p := range paths {
			if syncproto.CheckPath(p) == nil {
				sums[p] = syncproto.HashFile(a.root, p)
			}
		}
		return marshal(syncproto.Hashes, sums)
	case syncproto.Put:
		res, err := a.put(payload)
		if err != nil {
			return 0, nil, err
		}
		return marshal(syncproto.Results, res)
	case syncproto.Delete:
		var xs []syncproto.Expect
		if err := json.Unmarshal(payload, &xs); err != nil {
			return 0, nil, err
		}
		return marshal(syncproto.Results, a.delete(xs))
	case syncproto.Get:
		var paths []string
		if err := json.Unmarshal(payload, &paths); err != nil {
			return 0, nil, err
		}
		data, err := a.get(paths)
		return syncproto.Files, data, err
	}
	return 0, nil, fmt.Errorf("unknown request %q", typ)
}

func marshal(typ byte, v any) (byte, []byte, error) {
	data, err := json.Marshal(v)
	return typ, data, err
}

// send writes one frame and flushes it.
func (a *agent) send(typ byte, payload []byte) error {
	a.wmu.Lock()
	defer a.wmu.Unlock()
	if err := syncproto.WriteFrame(a.out, typ, payload); err != nil {
		return err
	}
	return a.out.Flush()
}

// fatal reports err to the local side and on stderr, and exits.
func (a *agent) fatal(err error) {
	fmt.Fprintln(os.Stderr, "devspace-sync-agent:", err)
	_ = a.send(syncproto.ErrorMsg, []byte(err.Error()))
	os.Exit(1)
}

// put writes each file whose precondition holds.
func (a *agent) put(payload []byte) ([]syncproto.Result, error) {
	hs, bodies, err := syncproto.ReadFileStream(payload)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	res := make([]syncproto.Result, len(hs))
	for i, h := range hs {
		res[i].Path = h.Path
		if cur := syncproto.Stat(a.root, h.Path); !h.Expect.Holds(cur) {
			res[i].Conflict, res[i].Current = true, cur
			continue
		}
		_, e, err := syncproto.WriteFile(a.root, h.Entry, bodies[i], nil)
		if err != nil {
			res[i].Err = err.Error()
			continue
		}
		a.tree.wrote(e)
		res[i].Entry = e
	}
	return res, nil
}

// delete removes each file whose precondition holds (a file already
// gone counts as deleted).
func (a *agent) delete(xs []syncproto.Expect) []syncproto.Result {
	a.mu.Lock()
	defer a.mu.Unlock()
	res := make([]syncproto.Result, len(xs))
	for i, x := range xs {
		res[i].Path = x.Path
		if syncproto.CheckPath(x.Path) != nil {
			res[i].Err = "not inside the sync root"
			continue
		}
		cur := syncproto.Stat(a.root, x.Path)
		if cur != nil && !x.Holds(cur) {
			res[i].Conflict, res[i].Current = true, cur
			continue
		}
		if err := syncproto.RemoveFile(a.root, x.Path); err != nil {
			res[i].Err = err.Error()
			continue
		}
		a.tree.removed(a.root, x.Path)
	}
	return res
}

// get sends the files that exist, with their state.
func (a *agent) get(paths []string) ([]byte, error) {
	var s syncproto.FileStream
	for _, p := range paths {
		if syncproto.CheckPath(p) != nil {
			continue
		}
		data, e, err := syncproto.ReadFile(a.root, p)
		if err != nil {
			continue
		}
		s.Add(syncproto.FileHeader{Entry: *e}, data)
	}
	return s.Bytes()
}
