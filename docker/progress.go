package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	controlapi "github.com/moby/buildkit/api/services/control"
	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/util/progress/progressui"
)

// IDs of the aux messages of a BuildKit build stream.
const (
	auxTrace   = "moby.buildkit.trace"
	auxImageID = "moby.image.id"
)

// buildkitProgress renders a BuildKit build's trace as the plain output of
// `docker buildx build --progress plain` (#N lines per step) and remembers
// the first step that failed.
type buildkitProgress struct {
	ch   chan *bkclient.SolveStatus
	done chan struct{}
	out  io.Writer
	// plain keeps the daemon's few plain lines ("Successfully tagged …")
	// until the trace is shown, which they would otherwise cut into.
	plain    *lineWriter
	plainBuf bytes.Buffer

	mu     sync.Mutex
	failed string // name of the first step that failed
	// foreign says a step's log had the kernel's "exec format error":
	// a program for another architecture (see platformError).
	foreign bool
}

// StepError is a BuildKit build step that failed: Step names it as the
// build output does ("[2/3] RUN make"), Err is the daemon's error.
type StepError struct {
	Step string
	Err  error
}

func (e *StepError) Error() string { return fmt.Sprintf("step %q: %v", e.Step, e.Err) }
func (e *StepError) Unwrap() error { return e.Err }

// startProgress renders to out until close is called.
func startProgress(out io.Writer) (*buildkitProgress, error) {
	d, err := progressui.NewDisplay(out, progressui.PlainMode)
	if err != nil {
		return nil, err
	}
	p := &buildkitProgress{
		ch:   make(chan *bkclient.SolveStatus, 16),
		done: make(chan struct{}),
		out:  out,
	}
	p.plain = newLineWriter(&p.plainBuf)
	go func() {
		defer close(p.done)
		// It ends when close closes ch; the error is ctx's, and this
		// context never ends.
		_, _ = d.UpdateFrom(context.Background(), p.ch)
	}()
	return p, nil
}

// trace decodes one moby.buildkit.trace message (a base64 JSON string of a
// protobuf StatusResponse) and hands it to the display. Undecodable
// messages are dropped: progress output is best effort.
func (p *buildkitProgress) trace(aux json.RawMessage) {
	var data []byte
	if err := json.Unmarshal(aux, &data); err != nil {
		return
	}
	var resp controlapi.StatusResponse
	if err := resp.UnmarshalVT(data); err != nil {
		return
	}
	p.status(bkclient.NewSolveStatus(&resp))
}

// status hands one progress update to the display, noting a failed step.
func (p *buildkitProgress) status(s *bkclient.SolveStatus) {
	p.mu.Lock()
	for _, v := range s.Vertexes {
		if v.Error != "" && p.failed == "" {
			p.failed = v.Name
		}
	}
	for _, l := range s.Logs {
		if !p.foreign && bytes.Contains(l.Data, []byte(execFormatError)) {
			p.foreign = true
		}
	}
	p.mu.Unlock()
	select {
	case p.ch <- s:
	case <-p.done:
	}
}

// failedStep returns the name of the first step that failed, or "".
func (p *buildkitProgress) failedStep() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

// sawExecFormatError says whether a step's log had "exec format error".
func (p *buildkitProgress) sawExecFormatError() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.foreign
}

// close flushes the display (it then prints the last log lines of a failed
// step), waits for it, and writes the daemon's plain lines.
func (p *buildkitProgress) close() {
	close(p.ch)
	<-p.done
	p.plain.Flush()
	_, _ = p.out.Write(p.plainBuf.Bytes())
}
