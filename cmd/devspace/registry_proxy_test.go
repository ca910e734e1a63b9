package main

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// registryProxies are the scripts' running proxies, by script.
var registryProxies sync.Map // *testscript.TestScript → *http.Server

// registry-proxy start|stop puts a reverse proxy on a loopback port in
// front of the test bed's registry and sets PROXY to its address: images
// named $PROXY/… are pushed and looked up through it. Stopping it closes
// the port, so a run that still asks the registry fails.
func registryProxy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: registry-proxy start|stop")
	}
	switch args[0] {
	case "start":
		target, err := url.Parse("http://" + ts.Getenv("REGISTRY"))
		ts.Check(err)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		// The Host header stays the proxy's, so the registry's upload
		// locations point back through it.
		srv := &http.Server{Handler: httputil.NewSingleHostReverseProxy(target)}
		go srv.Serve(l) // ends with Close, at stop or the script's end
		registryProxies.Store(ts, srv)
		ts.Defer(func() { srv.Close() })
		ts.Setenv("PROXY", l.Addr().String())
	case "stop":
		srv, ok := registryProxies.LoadAndDelete(ts)
		if !ok {
			ts.Fatalf("registry-proxy stop: no proxy started")
		}
		ts.Check(srv.(*http.Server).Close())
	default:
		ts.Fatalf("usage: registry-proxy start|stop")
	}
}

// env-file VAR FILE sets VAR to FILE's content, trimmed.
func envFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: env-file VAR FILE")
	}
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	ts.Setenv(args[0], strings.TrimSpace(string(data)))
}
