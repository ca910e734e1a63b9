package kube

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"k8s.io/klog/v2"
)

var klogOnce sync.Once

// quietKlog routes client-go's own log (klog) through a filter: the
// errors its streams report when devspace itself closes them (an exec
// or attach ended by a build or a Ctrl-C) are dropped; anything else is
// printed as one plain line on stderr.
func quietKlog() {
	klogOnce.Do(func() {
		klog.SetSlogLogger(slog.New(&klogFilter{w: os.Stderr}))
	})
}

// benign are errors of connections closed on purpose.
var benign = []string{"use of closed network connection", "context canceled", "io: read/write on closed pipe"}

type klogFilter struct {
	w     io.Writer
	attrs []slog.Attr
}

// Enabled passes warnings and errors only: klog's info and verbose lines
// (feature gates, request bodies) are client-go's debugging.
func (h *klogFilter) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h *klogFilter) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		if a.Key != "logger" {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value.Any())
		}
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	line := b.String()
	for _, s := range benign {
		if strings.Contains(line, s) {
			return nil
		}
	}
	_, err := fmt.Fprintf(h.w, "kubernetes client: %s\n", line)
	return err
}

func (h *klogFilter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &klogFilter{w: h.w, attrs: append(append([]slog.Attr{}, h.attrs...), attrs...)}
}

func (h *klogFilter) WithGroup(string) slog.Handler { return h }
