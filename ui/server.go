// Package ui is `devspace ui`: a page on 127.0.0.1 that shows a run live
// (pipelines, the build graph, deployments, dev sessions, errors) and
// lets it start actions (rebuild an image). Its state comes from the
// engine's events (Server is an engine.Events); the page gets it over
// server-sent events. Everything the page uses is embedded.
package ui

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/devspace-engine/devspace/engine"
)

//go:embed static
var static embed.FS

// throttle is the least time between two states sent to a page: a burst
// of events (50 images skipped at once) is one update.
const throttle = 100 * time.Millisecond

// maxLog is how much of the end of a build log the page gets.
const maxLog = 256 << 10

// Options are one server's settings.
type Options struct {
	// Addr is where to listen; "" is 127.0.0.1 on a free port.
	Addr string
	// Run runs an action's script, a builtin call, with arg as $1 (as a
	// pipeline's line, through the engine); nil offers no actions.
	Run func(ctx context.Context, script, arg string) error
	// Restart runs the process of a dev config's running session again
	// (devspace restart); Open waits for a forwarded local port of one to
	// answer and returns its URL (dev.*.open). nil offers no such button.
	Restart func(ctx context.Context, dev string) error
	Open    func(ctx context.Context, dev string, port int) (string, error)
}

// Server collects a run's events and serves the page. The zero value is
// not usable: call New.
type Server struct {
	board *board
	token string
	// cookie names the token's cookie: one per port, as browsers share
	// 127.0.0.1's cookies among its ports.
	cookie string
	opts   Options

	srv     *http.Server
	url     string
	actions sync.WaitGroup
	stop    context.CancelFunc
	ctx     context.Context
	// acting serialises the page's actions: one at a time.
	acting sync.Mutex
}

var _ engine.Events = (*Server)(nil)

// New returns a server that records events; Start serves them.
func New() *Server {
	return &Server{board: newBoard()}
}

// Emit records an event of the run (engine.Events); it never fails.
func (s *Server) Emit(ctx context.Context, name string, data map[string]string) error {
	s.board.apply(engine.JobID(ctx), name, data)
	return nil
}

// Start listens and serves the page until Close or ctx ends; it returns
// the page's URL, token included.
func (s *Server) Start(ctx context.Context, p Project, opts Options) (string, error) {
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return "", fmt.Errorf("ui: make a token: %w", err)
	}
	s.token, s.opts = hex.EncodeToString(token), opts
	p.Actions = opts.Run != nil
	p.DevActions = opts.Restart != nil && opts.Open != nil
	s.board.setProject(p)
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("ui: listen on %s: %w", addr, err)
	}
	s.ctx, s.stop = context.WithCancel(ctx)
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return s.ctx }}
	s.url = "http://" + ln.Addr().String() + "/?t=" + s.token
	s.cookie = fmt.Sprintf("devspace_ui_%d", ln.Addr().(*net.TCPAddr).Port)
	s.actions.Add(1)
	go func() { // owned by the server: Close waits for it
		defer s.actions.Done()
		_ = s.srv.Serve(ln)
	}()
	go func() { // owned by the server: ends with s.ctx
		<-s.ctx.Done()
		_ = s.srv.Close()
	}()
	return s.url, nil
}

// Close stops serving and waits for the actions the page started.
func (s *Server) Close() {
	if s.stop == nil {
		return
	}
	s.stop()
	_ = s.srv.Close()
	s.actions.Wait()
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	files := http.FileServerFS(static)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = "/static/"
		files.ServeHTTP(w, r)
	})
	mux.Handle("GET /static/", files)
	mux.HandleFunc("GET /api/state", s.state)
	mux.HandleFunc("GET /api/events", s.events)
	mux.HandleFunc("GET /api/log", s.log)
	mux.HandleFunc("POST /api/rebuild", s.start(rebuildAction))
	mux.HandleFunc("POST /api/redeploy", s.start(redeployAction))
	mux.HandleFunc("GET /api/devlog", s.devLog)
	mux.HandleFunc("POST /api/restart", s.restart)
	mux.HandleFunc("POST /api/open", s.open)
	return s.guard(mux)
}

// guard refuses every request without the token (?t= or its cookie): other users of the machine can reach 127.0.0.1 too.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.URL.Query().Get("t")
		if c, err := r.Cookie(s.cookie); got == "" && err == nil {
			got = c.Value
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
			http.Error(w, "forbidden: open the URL devspace printed (it carries the token)", http.StatusForbidden)
			return
		}
		// The page's own requests (scripts, the event stream) carry the
		// token as a cookie of this port, kept from this site only.
		http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: s.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) state(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.board.snapshot())
}

// events streams the state as server-sent events: all of it at once, then
// again after each change (at most every throttle).
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	var sent, sentLogs uint64
	for {
		changed := s.board.wait()
		snap := s.board.snapshot()
		if snap.Version != sent || sent == 0 {
			if !sendEvent(w, "state", snap) {
				return
			}
			sent = snap.Version
		}
		if v, counts := s.board.logCounts(); v != sentLogs {
			if !sendEvent(w, "logs", counts) {
				return
			}
			sentLogs = v
		}
		flusher.Flush()
		select {
		case <-r.Context().Done():
			return
		case <-changed:
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(throttle):
		}
	}
}

// sendEvent writes one server-sent event of JSON data.
func sendEvent(w io.Writer, name string, data any) bool {
	body, err := json.Marshal(data)
	if err != nil {
		return false
	}
	_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, body)
	return err == nil
}

// log sends the end of an image's last build log: the file once built,
// else the lines so far.
func (s *Server) log(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("image")
	path, lines := s.board.buildLog(name)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if path == "" {
		if len(lines) == 0 {
			http.Error(w, fmt.Sprintf("image %q has no build log in this run", name), http.StatusNotFound)
			return
		}
		_, _ = io.WriteString(w, strings.Join(lines, "\n")+"\n")
		return
	}
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, fmt.Sprintf("read the build log of %q: %v", name, err), http.StatusNotFound)
		return
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxLog {
		_, _ = f.Seek(st.Size()-maxLog, io.SeekStart)
	}
	_, _ = io.Copy(w, f)
}

// action is one thing the page can start: a builtin call on one image or
// deployment, like a pipeline's line.
type action struct {
	// param is the query parameter naming the subject; kind says what it is
	// in errors.
	param, kind string
	exists      func(b *board, name string) bool
	// script runs the builtin on "$1", the subject.
	script string
}

var (
	rebuildAction  = action{param: "image", kind: "image", exists: (*board).hasImage, script: `build_images --force-rebuild "$1"`}
	redeployAction = action{param: "deployment", kind: "deployment", exists: (*board).hasDeployment, script: `create_deployments --force-redeploy "$1"`}
)

// start runs an action in the background; its progress reaches the page
// as events, its output the terminal, its failure the errors.
func (s *Server) start(a action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get(a.param)
		if s.opts.Run == nil {
			http.Error(w, "this run takes no actions", http.StatusConflict)
			return
		}
		if !a.exists(s.board, name) {
			http.Error(w, fmt.Sprintf("no %s %q in the config", a.kind, name), http.StatusNotFound)
			return
		}
		s.actions.Add(1)
		go func() { // owned by the server: Close cancels s.ctx and waits
			defer s.actions.Done()
			s.acting.Lock()
			defer s.acting.Unlock()
			if err := s.opts.Run(s.ctx, a.script, name); err != nil && !errors.Is(err, context.Canceled) {
				s.board.mu.Lock()
				s.board.problem("", a.script+" ("+name+")", err.Error())
				s.board.touch()
				s.board.mu.Unlock()
			}
		}()
		w.WriteHeader(http.StatusAccepted)
	}
}
