package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"k8s.io/klog/v2"
)

// EnvDebug, set to 1, streams Helm's log to stderr as it happens.
const EnvDebug = "DEVSPACE_HELM_DEBUG"

// logSink collects everything the SDK says on the side: the actions' debug
// log, client-go's klog (API warnings, throttling), slog and stray writes
// to os.Stdout. devspace shows our stderr only when an operation fails, so
// the chatter is held back and printed only before an error; in debug mode
// it goes straight through.
type logSink struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	live io.Writer // non-nil in debug mode: write through, keep nothing
}

func newLogSink(stderr io.Writer, debug bool) *logSink {
	l := &logSink{}
	if debug {
		l.live = stderr
	}
	return l
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.live != nil {
		return l.live.Write(p)
	}
	return l.buf.Write(p)
}

// Printf is the action.DebugLog the Helm actions log through.
func (l *logSink) Printf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	_, _ = l.Write([]byte(msg))
}

// FlushTo writes what was held back to w, once.
func (l *logSink) FlushTo(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.buf.WriteTo(w)
}

// captureGlobalLogs points the process-wide loggers the SDK and client-go
// use at l; left alone they write to stderr (or stdout) directly, which
// would clutter a successful run and, on stdout, corrupt the JSON answer.
// The returned func restores os.Stdout and waits until all diverted output
// has reached l; the real stdout is returned for the answer.
func captureGlobalLogs(l *logSink) (stdout *os.File, restore func(), err error) {
	logger := slog.New(slog.NewTextHandler(l, nil))
	slog.SetDefault(logger)
	// Through a logger, klog writes nowhere else; with SetOutput alone it
	// would still copy errors to os.Stderr.
	klog.SetSlogLogger(logger)

	// Some SDK code writes progress with fmt.Printf or to os.Stdout (the
	// chart downloader's warnings, plugin loading): divert it through a pipe.
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("divert stdout: %w", err)
	}
	stdout = os.Stdout
	os.Stdout = w
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(l, r)
		_ = r.Close()
	}()
	restore = func() {
		os.Stdout = stdout
		_ = w.Close()
		<-done
		klog.Flush()
	}
	return stdout, restore, nil
}
