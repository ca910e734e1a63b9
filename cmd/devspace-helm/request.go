package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/devspace-engine/devspace/helm"
)

// defaultTimeout bounds Wait and hooks when the request names no timeout;
// it is Helm's own default.
const defaultTimeout = 5 * time.Minute

// request is a decoded, checked helm.Request.
type request struct {
	helm.Request
	op      string // the operation, for error messages
	timeout time.Duration
}

// usageError marks a malformed call (exit 2), as opposed to an operation
// that was understood but failed (exit 1).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// readRequest decodes the JSON request for op on r and checks what the
// operation relies on.
func readRequest(r io.Reader, op string) (request, error) {
	req := request{op: op}
	// Uninstall and status act on an existing release: no chart.
	needChart := op == helm.OpUpgrade || op == helm.OpTemplate
	dec := json.NewDecoder(r)
	if err := dec.Decode(&req.Request); err != nil {
		if errors.Is(err, io.EOF) {
			return req, usagef("no request on stdin: expected a JSON helm.Request")
		}
		return req, usagef("bad request JSON on stdin: %v", err)
	}
	// A second value means the caller wrote something we do not understand.
	if dec.More() {
		return req, usagef("bad request JSON on stdin: more than one JSON value")
	}
	if req.Release == "" {
		return req, usagef("bad request: release is empty")
	}
	if needChart && req.Chart.Path == "" && req.Chart.Name == "" && req.Chart.Builtin == "" {
		return req, usagef("bad request: chart needs a path, a name or builtin")
	}
	timeout, err := parseTimeout(req.Timeout)
	if err != nil {
		return req, usageError{err}
	}
	req.timeout = timeout
	return req, nil
}

// parseTimeout reads a Go duration; "" means defaultTimeout.
func parseTimeout(s string) (time.Duration, error) {
	if s == "" {
		return defaultTimeout, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad request: timeout %q is not a Go duration like \"5m\": %w", s, err)
	}
	if d <= 0 {
		return 0, fmt.Errorf("bad request: timeout %q must be positive", s)
	}
	return d, nil
}

// values are the user values for Helm, which merges the chart's defaults
// (values.yaml) under them, key by key, maps recursively; a null value
// deletes the default. Helm writes into the map, so it must not be nil.
func (r request) values() map[string]any {
	if r.Values == nil {
		return map[string]any{}
	}
	return r.Values
}
