package main

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHookSignals: Ctrl-C ends a hook's processes like a pipeline's,
// whether the hook holds up the run or runs in the background, and runs
// the command's interrupt hooks.
func TestHookSignals(t *testing.T) {
	tests := []struct {
		name, config string
		pidFiles     []string
	}{
		{"foreground", `version: v2beta1
name: hooksignals
hooks:
  - events: [runPipelineCommand:before:execute]
    command: sh -c 'sleep 100 & echo $! > grandchild.pid; echo $$ > child.pid; wait'
  - events: [runPipelineCommand:interrupt]
    command: echo interrupt hook ran
pipelines:
  p: echo pipeline ran
`, []string{"child.pid", "grandchild.pid"}},
		{"background", `version: v2beta1
name: hooksignals
hooks:
  - events: [runPipelineCommand:before:execute]
    background: true
    command: sh -c 'echo $$ > bg.pid; exec sleep 100'
  - events: [runPipelineCommand:interrupt]
    command: echo interrupt hook ran
pipelines:
  p: sh -c 'echo $$ > child.pid; sleep 100'
`, []string{"bg.pid", "child.pid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runAndSignal(t, tt.config, []string{"run-pipeline", "p"}, []syscall.Signal{syscall.SIGINT}, tt.pidFiles)
			if r.code != 130 {
				t.Errorf("exit status %d, want 130\n%s", r.code, r.output)
			}
			if r.elapsed > 5*time.Second {
				t.Errorf("took %v to exit after Ctrl-C, want at most 5s", r.elapsed)
			}
			if !strings.Contains(r.output, "interrupt hook ran") {
				t.Errorf("the interrupt hook did not run:\n%s", r.output)
			}
			if strings.Contains(r.output, "pipeline ran") {
				t.Errorf("the pipeline ran after the interrupted hook:\n%s", r.output)
			}
			checkCleanedUp(t, r)
		})
	}
}
