package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"k8s.io/klog/v2"
)

// Everything the SDK and client-go may print on the side ends in the sink,
// none of it on the process's stderr or stdout.
func TestCaptureGlobalLogs(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	realStderr := os.Stderr
	os.Stderr = w
	defer func() { os.Stderr = realStderr }()

	sink := newLogSink(io.Discard, false)
	stdout, restore, err := captureGlobalLogs(sink)
	if err != nil {
		t.Fatal(err)
	}
	klog.Error("klog error")
	klog.Warning("klog warning")
	slog.Info("slog info")
	fmt.Println("stray stdout")
	sink.Printf("debug %d", 1)
	restore()
	if os.Stdout != stdout {
		t.Error("os.Stdout not restored")
	}

	w.Close()
	leaked, _ := io.ReadAll(r)
	if len(leaked) > 0 {
		t.Errorf("written to stderr directly: %q", leaked)
	}
	var held bytes.Buffer
	sink.FlushTo(&held)
	for _, want := range []string{"klog error", "klog warning", "slog info", "stray stdout\n", "debug 1\n"} {
		if !strings.Contains(held.String(), want) {
			t.Errorf("sink lacks %q:\n%s", want, held.String())
		}
	}
}
