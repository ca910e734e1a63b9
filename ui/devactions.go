package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// openWait bounds how long the open button waits for a port to answer.
const openWait = 15 * time.Second

// WantsContainerLogs says that the page shows the logs of the dev
// sessions' containers (dev.ContainerLogsObserver).
func (s *Server) WantsContainerLogs() bool { return true }

// devLog sends the log lines of a dev config's container the page lacks:
// those after ?after=N (the number it has), at most the last kept.
func (s *Server) devLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	log, ok := s.board.containerLog(q.Get("dev"), q.Get("container"), after)
	if !ok {
		http.Error(w, fmt.Sprintf("dev config %q has no log of container %q in this run", q.Get("dev"), q.Get("container")), http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(log)
}

// runningDev is the dev config ?dev= names when its session runs; else
// it answers the request and returns "".
func (s *Server) runningDev(w http.ResponseWriter, r *http.Request) string {
	name := r.URL.Query().Get("dev")
	if s.opts.Restart == nil || s.opts.Open == nil {
		http.Error(w, "this run takes no dev actions", http.StatusConflict)
		return ""
	}
	s.board.mu.Lock()
	d := s.board.dev[name]
	running := d != nil && d.Running
	s.board.mu.Unlock()
	switch {
	case d == nil:
		http.Error(w, fmt.Sprintf("no dev config %q in the config", name), http.StatusNotFound)
		return ""
	case !running:
		http.Error(w, fmt.Sprintf("dev config %q has no running session", name), http.StatusConflict)
		return ""
	}
	return name
}

// restart runs the process of a dev config's container again in the
// background (devspace restart); its message reaches the terminal, its
// failure the errors, the process's new start the container's log.
func (s *Server) restart(w http.ResponseWriter, r *http.Request) {
	name := s.runningDev(w, r)
	if name == "" {
		return
	}
	s.actions.Add(1)
	go func() { // owned by the server: Close cancels s.ctx and waits
		defer s.actions.Done()
		if err := s.opts.Restart(s.ctx, name); err != nil && !errors.Is(err, context.Canceled) {
			s.board.mu.Lock()
			s.board.problem("", "restart dev "+name, err.Error())
			s.board.touch()
			s.board.mu.Unlock()
		}
	}()
	w.WriteHeader(http.StatusAccepted)
}

// open waits for a forwarded local port (?port=) of a dev config to
// answer and sends its URL, which the page opens: the browser the page is
// in is where the user looks.
func (s *Server) open(w http.ResponseWriter, r *http.Request) {
	name := s.runningDev(w, r)
	if name == "" {
		return
	}
	port, err := strconv.Atoi(r.URL.Query().Get("port"))
	s.board.mu.Lock()
	forwarded := slices.ContainsFunc(s.board.dev[name].Ports, func(p string) bool { return strings.Split(p, ":")[0] == strconv.Itoa(port) })
	s.board.mu.Unlock()
	if err != nil || !forwarded {
		http.Error(w, fmt.Sprintf("dev config %q forwards no local port %q", name, r.URL.Query().Get("port")), http.StatusNotFound)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), openWait)
	defer cancel()
	url, err := s.opts.Open(ctx, name, port)
	if err != nil {
		http.Error(w, err.Error(), http.StatusGatewayTimeout)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"url": url})
}
