//go:build profile

package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// Built with -tags profile, devspace writes a CPU profile of its whole run
// to $DEVSPACE_CPUPROFILE and a heap profile at exit to
// $DEVSPACE_MEMPROFILE, and an execution trace to $DEVSPACE_TRACE: what a benchmark's -cpuprofile cannot show, since
// the benchmarks run devspace as a child process. Released binaries have
// neither.
func init() {
	if path := os.Getenv("DEVSPACE_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cpu profile:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "cpu profile:", err)
			os.Exit(1)
		}
		atExit = append(atExit, func() { pprof.StopCPUProfile(); f.Close() })
	}
	if path := os.Getenv("DEVSPACE_TRACE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "trace:", err)
			os.Exit(1)
		}
		if err := trace.Start(f); err != nil {
			fmt.Fprintln(os.Stderr, "trace:", err)
			os.Exit(1)
		}
		atExit = append(atExit, func() { trace.Stop(); f.Close() })
	}
	if path := os.Getenv("DEVSPACE_MEMPROFILE"); path != "" {
		runtime.MemProfileRate = 4096
		atExit = append(atExit, func() {
			runtime.GC() // the profile is as of the last collection
			f, err := os.Create(path)
			if err != nil {
				fmt.Fprintln(os.Stderr, "heap profile:", err)
				return
			}
			defer f.Close()
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				fmt.Fprintln(os.Stderr, "heap profile:", err)
			}
		})
	}
}
