package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkDevUIMemory runs `devspace dev --show-ui` on the test bed for
// a dev session with the page open: an upload sync, a forwarded port and
// the logs of a container printing a line every 100 ms, a client reading
// the page's event stream the whole time, and a synced file saved every
// second. It samples devspace's resident memory (VmRSS) every few seconds
// and reports it at the start, at 1/3, 2/3 and the end, its maximum, and
// its growth per minute (least squares over all samples, and over the last
// two thirds, after the session settled), and what the stream sent (whole
// states, their first and last size, other events, bytes). Goal: bounded —
// the last two thirds' slope near 0, the last state about the size of the
// first.
//
// The session lasts $DEVSPACE_BENCH_UI_DURATION (a Go duration; default
// 10m); run it once: -bench DevUIMemory -benchtime 1x.
func BenchmarkDevUIMemory(b *testing.B) {
	duration := 10 * time.Minute
	if v := os.Getenv("DEVSPACE_BENCH_UI_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 10*time.Second {
			b.Fatalf("DEVSPACE_BENCH_UI_DURATION=%q: want a Go duration of at least 10s (e.g. 10m)", v)
		}
		duration = d
	}
	port := freePort(b)
	dir, ns, env := devProject(b, "uimembench",
		"mkdir -p /www && httpd -p 8080 -h /www && i=0 && while :; do i=$((i+1)); echo \"tick $i of the dev container's log\"; sleep 0.1; done",
		fmt.Sprintf(`ports: [{port: "%d:8080"}]
    sync: [{path: "./site:/www"}]
    logs: {enabled: true}`, port))
	if err := os.MkdirAll(filepath.Join(dir, "site"), 0o755); err != nil {
		b.Fatal(err)
	}
	write(b, filepath.Join(dir, "site", "page.html"), "start\n")
	pageURL := fmt.Sprintf("http://127.0.0.1:%d/page.html", port)
	for b.Loop() {
		cmd := exec.Command(filepath.Join(binDir, "devspace"), "dev", "--show-ui", "-n", ns)
		cmd.Dir, cmd.Env = dir, env
		p := startPage(b, cmd)
		if !servedWithin(pageURL, "start\n", 3*time.Minute) {
			b.Fatalf("devspace dev never served the synced page:\n%s", p.output.String())
		}
		stream := readEvents(b, p.url)
		rss := sessionRSS(b, cmd.Process.Pid, duration, func(second int) {
			write(b, filepath.Join(dir, "site", "page.html"), fmt.Sprintf("save %d\n", second))
			write(b, filepath.Join(dir, "site", fmt.Sprintf("file%02d.txt", second%20)), strings.Repeat("x", second))
		})
		write(b, filepath.Join(dir, "site", "page.html"), "last\n")
		if !servedWithin(pageURL, "last\n", 30*time.Second) {
			b.Fatalf("after %s the sync no longer reached the pod:\n%s", duration, tail(p.output.String(), 4000))
		}
		stats, err := stream.stop()
		if err != nil {
			b.Fatal(err)
		}
		if stats.states == 0 {
			b.Fatal("the event stream sent no state")
		}
		if !p.interrupt(30 * time.Second) {
			b.Fatalf("devspace dev did not end on Ctrl-C:\n%s", tail(p.output.String(), 4000))
		}
		rss.report(b)
		b.ReportMetric(float64(stats.firstState)/1024, "first-state-KiB")
		b.ReportMetric(float64(stats.lastState)/1024, "last-state-KiB")
		b.ReportMetric(float64(stats.states), "states")
		b.ReportMetric(float64(stats.others), "other-events")
		b.ReportMetric(float64(stats.bytes)/(1<<20), "streamed-MiB")
		b.Logf("the event stream: %d states (the first %d bytes, the last %d), %d other events, %d bytes in all",
			stats.states, stats.firstState, stats.lastState, stats.others, stats.bytes)
	}
}

// eventStream is a client reading a page's server-sent events, as an open
// page does, until stop.
type eventStream struct {
	cancel context.CancelFunc
	done   chan struct{}
	// stats and err are the goroutine's until done is closed.
	stats streamStats
	err   error
}

// streamStats counts what a page's event stream sent: the whole states,
// the first's and the last's size, and the other events (updates of one
// part) with all their bytes.
type streamStats struct {
	states, firstState, lastState int
	others                        int
	bytes                         int64
}

// readEvents connects to the event stream of the page at url.
func readEvents(b *testing.B, url string) *eventStream {
	base, query, _ := strings.Cut(url, "?")
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"api/events?"+query, nil)
	if err != nil {
		b.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatalf("GET the event stream: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		b.Fatalf("GET the event stream: %s", res.Status)
	}
	s := &eventStream{cancel: cancel, done: make(chan struct{})}
	go func() { // owned by s: stop cancels the request and waits
		defer close(s.done)
		defer res.Body.Close()
		lines := bufio.NewReader(res.Body)
		event := ""
		for {
			line, err := lines.ReadString('\n')
			if err != nil {
				s.err = err
				return
			}
			s.stats.bytes += int64(len(line))
			if name, ok := strings.CutPrefix(line, "event: "); ok {
				event = strings.TrimSpace(name)
			}
			data, ok := strings.CutPrefix(line, "data: ")
			switch {
			case !ok:
			case event == "state":
				if s.stats.states++; s.stats.states == 1 {
					s.stats.firstState = len(data)
				}
				s.stats.lastState = len(data)
			default:
				s.stats.others++
			}
		}
	}()
	return s
}

// stop disconnects; it fails if the stream had ended before.
func (s *eventStream) stop() (streamStats, error) {
	select {
	case <-s.done:
		return streamStats{}, fmt.Errorf("the event stream ended early: %w", s.err)
	default:
	}
	s.cancel()
	<-s.done
	return s.stats, nil
}

// rssSamples are a process's resident sizes in MiB, one per interval.
type rssSamples struct {
	interval time.Duration
	samples  []float64
}

// sessionRSS samples the RSS of process pid every few seconds for
// duration, calling save once a second (with the seconds so far).
func sessionRSS(b *testing.B, pid int, duration time.Duration, save func(second int)) rssSamples {
	r := rssSamples{interval: min(5*time.Second, max(time.Second, duration/30))}
	start := time.Now()
	r.samples = append(r.samples, procStatusMiB(b, pid, "VmRSS"))
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	nextSample := start.Add(r.interval)
	for second := 1; time.Since(start) < duration; second++ {
		<-tick.C
		save(second)
		if now := time.Now(); !now.Before(nextSample) {
			r.samples = append(r.samples, procStatusMiB(b, pid, "VmRSS"))
			nextSample = nextSample.Add(r.interval)
		}
	}
	r.samples = append(r.samples, procStatusMiB(b, pid, "VmRSS"))
	return r
}

// report logs the table and reports the metrics.
func (r rssSamples) report(b *testing.B) {
	n := len(r.samples)
	at := func(frac float64) float64 { return r.samples[int(frac*float64(n-1))] }
	peak := slices.Max(r.samples)
	all := slopePerMinute(r.samples, r.interval)
	settled := slopePerMinute(r.samples[n/3:], r.interval)
	var table strings.Builder
	fmt.Fprintf(&table, "devspace RSS over %d samples every %s:\n", n, r.interval)
	fmt.Fprintf(&table, "  %-22s %8.1f MiB\n", "start", at(0))
	fmt.Fprintf(&table, "  %-22s %8.1f MiB\n", "1/3", at(1.0/3))
	fmt.Fprintf(&table, "  %-22s %8.1f MiB\n", "2/3", at(2.0/3))
	fmt.Fprintf(&table, "  %-22s %8.1f MiB\n", "end", at(1))
	fmt.Fprintf(&table, "  %-22s %8.1f MiB\n", "max", peak)
	fmt.Fprintf(&table, "  %-22s %8.2f MiB/min\n", "slope (all)", all)
	fmt.Fprintf(&table, "  %-22s %8.2f MiB/min\n", "slope (last two thirds)", settled)
	b.Log(table.String())
	b.ReportMetric(at(0), "rss-start-MiB")
	b.ReportMetric(at(1.0/3), "rss-third-MiB")
	b.ReportMetric(at(2.0/3), "rss-two-thirds-MiB")
	b.ReportMetric(at(1), "rss-end-MiB")
	b.ReportMetric(peak, "rss-max-MiB")
	b.ReportMetric(all, "slope-MiB/min")
	b.ReportMetric(settled, "settled-slope-MiB/min")
}

// slopePerMinute is the least-squares slope of samples taken every
// interval, per minute.
func slopePerMinute(samples []float64, interval time.Duration) float64 {
	n := float64(len(samples))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i, y := range samples {
		x := float64(i) * interval.Minutes()
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
