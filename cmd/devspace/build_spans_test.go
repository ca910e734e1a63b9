package main

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

// max-overlap BOUND COUNT FILE reads the spans that builds printed in FILE
// (a RUN step echoing "span start ID TOKEN T", working, then "span end ID
// TOKEN T", with T the kernel's uptime from /proc/uptime: one clock for
// every container of the daemon) and requires COUNT complete spans of which
// at most BOUND were running at any moment. Whether builds overlapped is
// read from the builds' own clock, not from how long the command took.
func maxOverlap(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: max-overlap BOUND COUNT FILE")
	}
	bound, err := strconv.Atoi(args[0])
	ts.Check(err)
	count, err := strconv.Atoi(args[1])
	ts.Check(err)
	spans := map[string]*[2]float64{}
	for _, m := range spanLine.FindAllStringSubmatch(ts.ReadFile(args[2]), -1) {
		t, err := strconv.ParseFloat(m[3], 64)
		ts.Check(err)
		s := spans[m[2]]
		if s == nil {
			s = &[2]float64{-1, -1}
			spans[m[2]] = s
		}
		if m[1] == "start" {
			s[0] = t
		} else {
			s[1] = t
		}
	}
	type event struct {
		t     float64
		delta int
	}
	var events []event
	for id, s := range spans {
		if s[0] < 0 || s[1] < 0 {
			ts.Fatalf("span %s has no start or no end in %s", id, args[2])
		}
		events = append(events, event{s[0], 1}, event{s[1], -1})
	}
	if len(spans) != count {
		ts.Fatalf("%d spans in %s, want %d", len(spans), args[2], count)
	}
	// At the same instant an end comes first: spans that touch do not overlap.
	slices.SortFunc(events, func(a, b event) int { return cmp.Or(cmp.Compare(a.t, b.t), a.delta-b.delta) })
	running, most := 0, 0
	for _, e := range events {
		running += e.delta
		most = max(most, running)
	}
	ts.Logf("%d spans, at most %d at once", len(spans), most)
	if most > bound {
		ts.Fatalf("%d builds ran at once, want at most %d", most, bound)
	}
}

var spanLine = regexp.MustCompile(`(?m)span (start|end) (\S+) \S+ ([0-9]+\.[0-9]+)\s*$`)
