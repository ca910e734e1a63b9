// Command devspace-helm deploys Helm charts for devspace. It links the
// Helm SDK, which devspace itself does not (see package helm for why and
// for the protocol): devspace runs it as
//
//	devspace-helm upgrade|template|uninstall|status < request.json
//
// with a helm.Request as JSON on stdin. On success it prints a
// helm.Response as JSON on stdout and exits 0. On failure it prints Helm's
// log, then one error line, on stderr and exits 1; a malformed call (an
// unknown operation, bad JSON) exits 2. Set DEVSPACE_HELM_DEBUG=1 to see
// Helm's log as it happens, successful runs too.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/devspace-engine/devspace/helm"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // the operation failed
	exitUsage  = 2 // the call was malformed
)

// operation runs one request.
type operation func(ctx context.Context, req request, log *logSink) (helm.Response, error)

var operations = map[string]operation{
	helm.OpUpgrade:   upgrade,
	helm.OpTemplate:  template,
	helm.OpUninstall: uninstall,
	helm.OpStatus:    status,
}

const usage = "usage: devspace-helm upgrade|template|uninstall|status < request.json"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, let a second one kill the process at once
	// (the default), in case Helm does not wind down.
	go func() {
		<-ctx.Done()
		stop()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stderr, os.Getenv(EnvDebug) == "1"))
}

// run performs the operation args[0] and returns the exit code. The answer
// goes to the real stdout, which run takes over from the SDK's chatter.
func run(ctx context.Context, args []string, stdin io.Reader, stderr io.Writer, debug bool) int {
	if len(args) != 1 {
		return fail(stderr, nil, usageError{fmt.Errorf("want one operation, got %d arguments", len(args))})
	}
	op, ok := operations[args[0]]
	if !ok {
		return fail(stderr, nil, usageError{fmt.Errorf("unknown operation %q", args[0])})
	}
	req, err := readRequest(stdin, args[0])
	if err != nil {
		return fail(stderr, nil, err)
	}

	log := newLogSink(stderr, debug)
	stdout, restore, err := captureGlobalLogs(log)
	if err != nil {
		return fail(stderr, log, err)
	}
	resp, err := op(ctx, req, log)
	restore()
	if err != nil {
		return fail(stderr, log, err)
	}
	if err := json.NewEncoder(stdout).Encode(resp); err != nil {
		return fail(stderr, log, fmt.Errorf("write the answer: %w", err))
	}
	return exitOK
}

// fail prints the held-back log and err as one line, and returns the exit
// code for err. devspace shows the whole of stderr; the error is last.
func fail(stderr io.Writer, log *logSink, err error) int {
	if log != nil {
		log.FlushTo(stderr)
	}
	msg := oneLine(err.Error())
	var usageErr usageError
	if errors.As(err, &usageErr) {
		fmt.Fprintf(stderr, "%s\ndevspace-helm: %s\n", usage, msg)
		return exitUsage
	}
	fmt.Fprintln(stderr, msg)
	return exitFailed
}

// oneLine folds a multi-line error (template and validation errors often
// are) into one line.
func oneLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	kept := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "; ")
}
