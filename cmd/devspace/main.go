// Command devspace runs devspace.yaml pipelines.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/devspace-engine/devspace/commands"
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
		os.Exit(code)
	}()
	code := commands.Main(ctx, os.Args, commands.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	cancel(nil)
	os.Exit(code)
}
