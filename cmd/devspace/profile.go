package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

// startProfiles starts the profiles the environment asks for, for
// measuring devspace as users run it (a whole process, not a test):
// DEVSPACE_CPUPROFILE=FILE writes a CPU profile (go tool pprof FILE),
// DEVSPACE_TRACE=FILE an execution trace (go tool trace FILE), which
// shows where a run waits. The returned function stops them; it is called
// before the process exits. Neither variable set costs nothing.
func startProfiles() (stop func()) {
	var stops []func()
	stop = func() {
		for _, s := range stops {
			s()
		}
	}
	if path := os.Getenv("DEVSPACE_CPUPROFILE"); path != "" {
		if f := createProfile(path); f != nil {
			if err := pprof.StartCPUProfile(f); err != nil {
				fmt.Fprintf(os.Stderr, "DEVSPACE_CPUPROFILE: %v\n", err)
			}
			stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
		}
	}
	if path := os.Getenv("DEVSPACE_TRACE"); path != "" {
		if f := createProfile(path); f != nil {
			if err := trace.Start(f); err != nil {
				fmt.Fprintf(os.Stderr, "DEVSPACE_TRACE: %v\n", err)
			}
			stops = append(stops, func() { trace.Stop(); f.Close() })
		}
	}
	return stop
}

func createProfile(path string) *os.File {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "devspace profile: %v\n", err)
		return nil
	}
	return f
}
