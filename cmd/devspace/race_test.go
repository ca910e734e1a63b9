//go:build race

package main

import "os"

func init() {
	raceFlag = []string{"-race"}
	// A race-enabled program sleeps 1 s at exit by default; the scripts
	// run hundreds of them.
	os.Setenv("GORACE", "atexit_sleep_ms=0")
}
