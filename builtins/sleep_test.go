package builtins_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line    string
		min     time.Duration
		want    int
		wantErr string
	}{
		{"sleep 0.3", 300 * time.Millisecond, 0, ""},
		{"sleep .1 0.1s", 200 * time.Millisecond, 0, ""},
		{"sleep 0.005m", 300 * time.Millisecond, 0, ""},
		{"sleep 0", 0, 0, ""},
		{"sleep", 0, 1, onlyPipeline + "sleep: usage: sleep NUMBER[s|m|h|d]...\n"},
		{"sleep abc", 0, 1, onlyPipeline + `sleep: invalid time interval "abc"`},
		{"sleep -1", 0, 1, onlyPipeline + `sleep: invalid time interval "-1"`},
		{"sleep 1x", 0, 1, onlyPipeline + `sleep: invalid time interval "1x"`},
		{"sleep 0x10", 0, 1, onlyPipeline + `sleep: invalid time interval "0x10"`},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, stderr, status := runOne(t, tt.line, "", nil)
			if took := time.Since(start); took < tt.min || took > tt.min+3*time.Second {
				t.Errorf("took %v, want about %v", took, tt.min)
			}
			if status != tt.want || !strings.HasPrefix(stderr, tt.wantErr) || (tt.wantErr == "") != (stderr == "") {
				t.Errorf("status %d stderr %q, want %d %q", status, stderr, tt.want, tt.wantErr)
			}
		})
	}
}

func TestSleepCancel(t *testing.T) {
	t.Parallel()
	for _, line := range []string{"sleep 30", "sleep infinity"} {
		t.Run(line, func(t *testing.T) {
			t.Parallel()
			p := newProject(t, map[string]string{"p": line + "\necho after"}, "", nil)
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := p.run(ctx, "p")
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("cancel took %v", took)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want the context's error", err)
			}
			if out := p.stdout.String(); out != "" {
				t.Errorf("the script went on after the cancelled sleep: %q", out)
			}
		})
	}
}
