package builtins_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// watching starts pipeline p in the background and returns a function
// that cancels it and returns its result.
func watching(t *testing.T, p *project) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.run(ctx, "p") }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("run_watch did not stop after the context was cancelled")
			return nil
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func stoppedCleanly(t *testing.T, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("run_watch ended with %v, want nil or context.Canceled", err)
	}
}

// TestRunWatchRestart covers P7: an initial run, then one debounced restart
// after several writes, which kills the running command (a builtin here).
func TestRunWatchRestart(t *testing.T) {
	t.Parallel()
	p := newProject(t, map[string]string{
		"p":    "run_watch -p '*.txt' -- run_pipelines slow",
		"slow": "echo start\nsleep 1000\necho never",
	}, "", nil)
	stop := watching(t, p)
	starts := func(n int) func() bool {
		return func() bool { return strings.Count(p.stdout.String(), "start\n") == n }
	}
	waitFor(t, 5*time.Second, "the initial run", starts(1))

	writeFile(t, filepath.Join(p.dir, "test.txt"), "1")
	writeFile(t, filepath.Join(p.dir, "test2.txt"), "1")
	time.Sleep(300 * time.Millisecond)
	writeFile(t, filepath.Join(p.dir, "test3.txt"), "1")
	waitFor(t, 5*time.Second, "a restart", starts(2))
	time.Sleep(1500 * time.Millisecond) // a second restart would come by now
	stoppedCleanly(t, stop())

	if got := strings.Count(p.stdout.String(), "start\n"); got != 2 {
		t.Errorf("the command started %d times, want 2 (one debounced restart)", got)
	}
	if strings.Contains(p.stdout.String(), "never") {
		t.Error("the restart did not kill the running command")
	}
	want := "Restarting command because 'test3.txt' has changed...\n"
	if got := p.stderr.String(); got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}

// TestRunWatchExclude covers P8/P9: excluded changes are ignored, matching
// ones restart, and directories made after the start are watched too.
func TestRunWatchExclude(t *testing.T) {
	t.Parallel()
	for _, paths := range []string{`--path 'foo*/**/*' --exclude 'foo2/*'`, `--path './foo*/**/*' --exclude './foo2/*'`} {
		t.Run(paths, func(t *testing.T) {
			t.Parallel()
			p := newProject(t, map[string]string{"p": "run_watch " + paths + " -- echo run"},
				"", map[string]string{"foo1/keep": "", "foo2/keep": "", "other/keep": ""})
			stop := watching(t, p)
			runs := func(n int) func() bool {
				return func() bool { return strings.Count(p.stdout.String(), "run\n") == n }
			}
			waitFor(t, 5*time.Second, "the initial run", runs(1))

			writeFile(t, filepath.Join(p.dir, "foo2", "test.txt"), "x")
			writeFile(t, filepath.Join(p.dir, "other", "test.txt"), "x")
			time.Sleep(2 * time.Second)
			if out := p.stdout.String(); strings.Count(out, "run\n") != 1 {
				t.Fatalf("an excluded or unmatched change restarted the command: stderr %q", p.stderr.String())
			}

			writeFile(t, filepath.Join(p.dir, "foo1", "test.txt"), "x")
			waitFor(t, 5*time.Second, "a restart for foo1/test.txt", runs(2))

			writeFile(t, filepath.Join(p.dir, "foo3", "deep", "new.txt"), "x")
			waitFor(t, 5*time.Second, "a restart for a new directory", runs(3))
			stoppedCleanly(t, stop())

			want := "Restarting command because 'foo1/test.txt' has changed...\n" +
				"Restarting command because 'foo3/deep/new.txt' has changed...\n"
			if got := p.stderr.String(); got != want {
				t.Errorf("stderr %q, want %q", got, want)
			}
		})
	}
}

// TestRunWatchProgram restarts a program that runs in its own process
// group: the restart must end it (and its children).
func TestRunWatchProgram(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	p := newProject(t, map[string]string{
		"p": `run_watch --silent -p data -- sh -c 'echo start; sleep 1000 & wait'`,
	}, "", map[string]string{"data/keep": ""})
	stop := watching(t, p)
	starts := func(n int) func() bool {
		return func() bool { return strings.Count(p.stdout.String(), "start\n") == n }
	}
	waitFor(t, 5*time.Second, "the initial run", starts(1))
	writeFile(t, filepath.Join(p.dir, "data", "sub", "x"), "x")
	waitFor(t, 8*time.Second, "a restart", starts(2))
	stoppedCleanly(t, stop())
	if got := p.stderr.String(); got != "" {
		t.Errorf("--silent printed %q", got)
	}
}

func TestRunWatchErrors(t *testing.T) {
	t.Parallel()
	files := map[string]string{"sub1/a": "", "sub2/b": "", "x.txt": "", "y.txt": ""}
	tests := []struct {
		name, line, wantErr string
		want                int
	}{
		// P10: the shell expands the unquoted glob (to sub1/a sub2/b).
		{"unquoted glob", "run_watch --path **/* -- date", onlyPipeline + `run_watch: unexpected arguments before --: "sub2/b"`, 1},
		{"unquoted glob 2", "run_watch -p *.txt -- date", onlyPipeline + `run_watch: unexpected arguments before --: "y.txt"`, 1},
		{"no --", "run_watch -p '*.txt' date", onlyPipeline + `run_watch: missing -- before the command "date"`, 1},
		{"no path", "run_watch -- date", onlyPipeline + "run_watch: usage: run_watch --path", 1},
		{"no command", "run_watch -p '*.txt' --", onlyPipeline + "run_watch: usage: run_watch --path", 1},
		{"missing directory", "run_watch -p 'nope/*.go' -- date", onlyPipeline + `run_watch: --path "nope/*.go": cannot watch `, 1},
		{"bad glob", "run_watch -p '[' -- date", onlyPipeline + `run_watch: --path "[": invalid glob pattern`, 1},
		{"fail on error", "run_watch --fail-on-error -p '*.txt' -- sh -c 'exit 4'", "", 4},
		{"fail on builtin error", "run_watch --fail-on-error -p '*.txt' -- run_pipelines nope", onlyPipeline + `run_pipelines: pipeline "nope" not found`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, status := runOne(t, tt.line, "", files)
			if status != tt.want || !strings.HasPrefix(stderr, tt.wantErr) || (tt.wantErr == "") != (stderr == "") {
				t.Errorf("status %d stderr %q, want %d and stderr starting with %q", status, stderr, tt.want, tt.wantErr)
			}
		})
	}
}

// TestRunWatchSkipInitial waits for the first change before it runs.
func TestRunWatchSkipInitial(t *testing.T) {
	t.Parallel()
	p := newProject(t, map[string]string{"p": "run_watch -s -p '*.txt' -- echo run"}, "", nil)
	stop := watching(t, p)
	time.Sleep(300 * time.Millisecond)
	if out := p.stdout.String(); out != "" {
		t.Fatalf("--skip-and-silent ran the command before a change: %q", out)
	}
	writeFile(t, filepath.Join(p.dir, "a.txt"), "x")
	waitFor(t, 5*time.Second, "the first run", func() bool { return p.stdout.String() == "run\n" })
	stoppedCleanly(t, stop())
	if got := p.stderr.String(); got != "" {
		t.Errorf("--skip-and-silent printed %q", got)
	}
}
