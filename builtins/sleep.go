package builtins

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/devspace-engine/devspace/engine"
)

var sleep = simple("sleep", "sleep NUMBER[s|m|h|d]... | sleep infinity",
	"Wait for the sum of the given times (seconds by default; fractions such as 0.5 are fine). Cancelling the pipeline ends the wait.", true,
	func(ctx context.Context, _ *engine.Call, args []string) error {
		if len(args) == 0 {
			return engine.Usagef("sleep NUMBER[s|m|h|d]...")
		}
		var total time.Duration
		for _, a := range args {
			if a == "infinity" {
				<-ctx.Done()
				return ctx.Err()
			}
			d, err := parseSleep(a)
			if err != nil {
				return err
			}
			total += d
		}
		t := time.NewTimer(total)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})

// sleepUnits are GNU sleep's suffixes.
var sleepUnits = map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}

// parseSleep reads a GNU sleep interval: a non-negative decimal number with
// an optional s, m, h or d suffix.
func parseSleep(s string) (time.Duration, error) {
	num, unit := s, time.Second
	if n := len(s); n > 0 {
		if u, ok := sleepUnits[s[n-1]]; ok {
			num, unit = s[:n-1], u
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || strings.ContainsAny(num, "xXpP_") {
		return 0, fmt.Errorf("invalid time interval %q: use a number of seconds, optionally with s, m, h or d (sleep 0.5, sleep 2m)", s)
	}
	secs := f * unit.Seconds()
	if secs > float64(math.MaxInt64)/float64(time.Second) {
		return 0, fmt.Errorf("invalid time interval %q: too long (use sleep infinity)", s)
	}
	return time.Duration(secs * float64(time.Second)), nil
}
