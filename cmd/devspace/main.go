// Command devspace runs devspace.yaml pipelines.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/devspace-engine/devspace/commands"
	"github.com/devspace-engine/devspace/lifecycle"
)

// shutdownDeadline bounds how long devspace may take to stop after a signal.
const shutdownDeadline = 5 * time.Second

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() { // lives as long as the process
		sig := <-signals
		code := 128 + int(sig.(syscall.Signal))
		cancel(&commands.SignalError{Code: code})
		select {
		case <-signals: // a second signal: stop now
		case <-time.After(shutdownDeadline):
		}
		exit(code)
	}()
	code := commands.Main(ctx, os.Args, commands.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	cancel(nil)
	exit(code)
}

// atExit are run by exit first (the profiles of a build with -tags
// profile).
var atExit []func()

// exit ends the process. Whichever way devspace stops — done, failed, or
// a second signal that does not wait for the run to unwind — no child
// process group it started keeps running and no temp directory stays.
func exit(code int) {
	for _, f := range atExit {
		f()
	}
	lifecycle.Abort()
	os.Exit(code)
}
