package dev

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestOpenWhenReadyWaitsForAnAnswer(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusBadGateway) // the app is not up yet
			return
		}
		w.WriteHeader(http.StatusNotFound) // up: any answer below 500
	}))
	defer srv.Close()
	var log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	OpenWhenReady(ctx, OpenConfig{URL: srv.URL}, &log, false)
	if got, want := log.String(), "Open "+srv.URL+"\n"; got != want {
		t.Errorf("log %q, want %q", got, want)
	}
	if calls.Load() != 3 {
		t.Errorf("%d requests, want 3", calls.Load())
	}
}

func TestOpenWhenReadyGivesUpQuietly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	var log bytes.Buffer
	OpenWhenReady(ctx, OpenConfig{URL: "http://127.0.0.1:1/"}, &log, false)
	if log.Len() != 0 {
		t.Errorf("log %q, want nothing", log.String())
	}
}

func TestDesktop(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	onMac := runtime.GOOS == "darwin"
	if Desktop(getenv) != onMac {
		t.Errorf("without DISPLAY or WAYLAND_DISPLAY: Desktop = %v, want %v (only macOS always has one)", !onMac, onMac)
	}
	env["WAYLAND_DISPLAY"] = "wayland-0"
	if !Desktop(getenv) {
		t.Error("a Wayland session is a desktop")
	}
}
