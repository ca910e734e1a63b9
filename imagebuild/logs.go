package imagebuild

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/devspace-engine/devspace/lifecycle"
)

// DefaultTailLines is how many log lines an Outcome keeps.
const DefaultTailLines = 30

const maxTailLine = 4096

// LogDir is where full build logs go for the config at configPath.
func LogDir(configPath string) string {
	return filepath.Join(filepath.Dir(configPath), ".devspace", "logs")
}

// LogFileName is the file an image's full log is written to, inside LogDir.
func LogFileName(image string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, image) + ".log"
}

// imageLog is the writer a builder gets: it passes output on to the
// request's log, keeps the last lines and writes the full log to a temp
// file that finish renames into place. Safe for concurrent writes.
type imageLog struct {
	mu      sync.Mutex
	out     io.Writer
	tail    tailBuffer
	file    *os.File // nil without a log dir, or after a write error
	path    string
	fileErr error
}

func openImageLog(dir, name string, out io.Writer, tailLines int) *imageLog {
	l := &imageLog{out: out, tail: tailBuffer{max: tailLines}}
	if l.out == nil {
		l.out = io.Discard
	}
	if dir == "" {
		return l
	}
	l.path = filepath.Join(dir, LogFileName(name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		l.fileErr = err
		return l
	}
	l.file, l.fileErr = os.CreateTemp(dir, "."+LogFileName(name)+".*.tmp")
	if l.file != nil { // until finish: removed if devspace is killed meanwhile
		lifecycle.TrackTemp(l.file.Name())
	}
	return l
}

func (l *imageLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tail.Write(p)
	if l.file != nil {
		if _, err := l.file.Write(p); err != nil {
			l.fileErr = err
			l.file.Close()
			os.Remove(l.file.Name())
			lifecycle.UntrackTemp(l.file.Name())
			l.file = nil
		}
	}
	return l.out.Write(p)
}

// finish closes the log file and moves it into place; it returns the path
// of the complete log, or "" and the reason there is none.
func (l *imageLog) finish() (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file == nil {
		if l.fileErr != nil {
			return "", fmt.Errorf("write build log %s: %w", l.path, l.fileErr)
		}
		return "", nil
	}
	f := l.file
	l.file = nil
	defer lifecycle.UntrackTemp(f.Name())
	err := f.Close()
	if err == nil {
		err = os.Rename(f.Name(), l.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write build log %s: %w", l.path, err)
	}
	return l.path, nil
}

// tailBuffer keeps the last max lines written to it; overlong lines are cut.
type tailBuffer struct {
	max     int
	lines   []string // ring buffer once full
	next    int
	partial []byte
}

func (t *tailBuffer) Write(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.partial = appendCapped(t.partial, p)
			return
		}
		t.push(string(appendCapped(t.partial, p[:i])))
		t.partial = t.partial[:0]
		p = p[i+1:]
	}
}

func appendCapped(b, p []byte) []byte {
	if room := maxTailLine - len(b); len(p) > room {
		p = p[:max(room, 0)]
	}
	return append(b, p...)
}

func (t *tailBuffer) push(line string) {
	line = strings.TrimSuffix(line, "\r")
	if len(t.lines) < t.max {
		t.lines = append(t.lines, line)
		return
	}
	if t.max == 0 {
		return
	}
	t.lines[t.next] = line
	t.next = (t.next + 1) % t.max
}

// Lines returns the kept lines, oldest first, with an unterminated last line.
func (t *tailBuffer) Lines() []string {
	out := append(append([]string(nil), t.lines[t.next:]...), t.lines[:t.next]...)
	if len(t.partial) > 0 {
		out = append(out, string(t.partial))
		if len(out) > t.max {
			out = out[1:]
		}
	}
	return out
}

func (l *imageLog) tailLines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tail.Lines()
}
