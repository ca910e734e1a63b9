package buildimages

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/runvars"
)

// blockingShell runs custom build commands that report their start and
// end only when released.
type blockingShell struct {
	started chan string // the command's text, as it starts
	release chan struct{}
}

func (s *blockingShell) Script(ctx context.Context, _, text string, _ config.ScriptSource, _ string, _ io.Writer) error {
	s.started <- text
	select {
	case <-s.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *blockingShell) Exec(context.Context, string, io.Writer, []string) error { return nil }
func (s *blockingShell) LookPath(string) error                                   { return nil }

// lineWriter is a LineWriter over w.
type lineWriter struct{ io.Writer }

func (lineWriter) Flush() error { return nil }

// A build_images --force-rebuild of an image that another call of the
// process is building (the Rebuild button of devspace ui during the
// pipeline's own build) does not build it at the same time: it says it
// waits, and builds once the first build has ended.
func TestOneBuildOfAnImageAtATime(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := &config.Config{Path: filepath.Join(dir, "devspace.yaml"), Dir: dir, Images: map[string]*config.Image{
		"app": {Name: "app", Image: "reg/app", Custom: &config.CustomBuild{Command: "build app"}},
	}}
	shell := &blockingShell{started: make(chan string), release: make(chan struct{})}
	board, limiter := imagebuild.NewBoard(), imagebuild.NewLimiter(4)
	run := func(log io.Writer) <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := Run(context.Background(), Options{Config: cfg, Names: []string{"app"}, Force: true,
				Output:      Output{Log: log, Stderr: log, Lines: func(_ *sync.Mutex, out io.Writer, _ string) LineWriter { return lineWriter{out} }},
				Connections: Connections{Board: board, Limiter: limiter}, Runtime: runvars.New(nil), Shell: shell})
			done <- err
		}()
		return done
	}
	first := run(io.Discard)
	<-shell.started
	log := lineChan(make(chan string, 100))
	second := run(log)
	for waiting := false; !waiting; {
		select {
		case line := <-log:
			waiting = strings.Contains(line, "waiting: another build_images call of this process is building image app")
		case <-shell.started:
			t.Fatal("a second build of app started while the first one ran")
		}
	}
	shell.release <- struct{}{} // the first build ends
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	<-shell.started // now the second builds
	shell.release <- struct{}{}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
}
