package rollout

import (
	"fmt"
	"sync"
	"time"
)

// display shows one status line per workload: on a terminal (Live) a
// block of lines redrawn in place, else a plain line on the deployment's
// log each time a workload's status changes.
type display struct {
	mu    sync.Mutex
	ws    []Workload
	opts  Options
	lines []string
	drawn int // lines of the live block on screen
}

func newDisplay(ws []Workload, opts Options) *display {
	return &display{ws: ws, opts: opts, lines: make([]string, len(ws))}
}

func (d *display) set(i int, status string) {
	line := d.ws[i].Name + " " + status
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lines[i] == line {
		return
	}
	d.lines[i] = line
	if d.opts.Live != nil {
		d.redraw()
		return
	}
	d.plain(i, line)
}

func (d *display) plain(i int, line string) {
	if d.opts.Log != nil {
		fmt.Fprintln(d.opts.Log(d.ws[i].Deployment), line)
	}
}

// redraw moves up over the block drawn last and draws it again.
func (d *display) redraw() {
	w := d.opts.Live
	if d.drawn > 0 {
		fmt.Fprintf(w, "\x1b[%dA", d.drawn)
	}
	d.drawn = 0
	for i, line := range d.lines {
		if line == "" {
			continue
		}
		if dep := d.ws[i].Deployment; dep != "" {
			line = dep + ": " + line
		}
		fmt.Fprintf(w, "\r\x1b[2K%s\n", line)
		d.drawn++
	}
}

// done shows how each wait ended: ready and after how long, or why not.
func (d *display) done(results []Result) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, r := range results {
		status := ""
		switch {
		case r.Ready && d.lines[i] == "":
			status = "ready" // it was when first read: no wait
		case r.Ready:
			status = "ready after " + r.Waited.Round(100*time.Millisecond).String()
		case r.Failure != nil:
			status = "not ready: " + r.Failure.Reason
		default:
			status = "stopped"
		}
		d.lines[i] = d.ws[i].Name + " " + status
	}
	if d.opts.Live != nil {
		d.redraw()
		return
	}
	for i, line := range d.lines {
		d.plain(i, line)
	}
}
