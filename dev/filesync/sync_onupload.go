package filesync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/devspace-engine/devspace/dev/restart"
	"github.com/devspace-engine/devspace/kube"
)

// UploadExec is a command run in the container after sync uploaded files
// that OnChange matches (gitignore-style; every upload when empty).
type UploadExec struct {
	Name     string
	Command  []string // argv
	OnChange []string
	// FailOnError stops the sync when the command fails (else it is
	// logged); Once runs it at most once per sync.
	FailOnError, Once bool
}

// errStop wraps an error that ends the sync instead of resuming it.
type errStop struct{ err error }

func (e *errStop) Error() string { return e.err.Error() }
func (e *errStop) Unwrap() error { return e.err }

// runOnUpload runs the onUpload commands the files uploaded since the
// last call trigger, in order, each once, with its output logged whole.
func (s *syncer) runOnUpload(ctx context.Context) error {
	files := s.uploaded
	s.uploaded = nil
	if len(files) == 0 {
		return nil
	}
	for i, e := range s.cfg.OnUpload {
		if (e.Once && s.ran[i]) || !triggers(e.OnChange, files) {
			continue
		}
		if s.ran == nil {
			s.ran = map[int]bool{}
		}
		s.ran[i] = true
		var out kube.LockedBuffer // stdout and stderr, interleaved
		err := kube.Exec(ctx, s.c, s.pod, e.Command, kube.ExecOptions{Stdout: &out, Stderr: &out})
		status := "done"
		if err != nil {
			status = err.Error()
		}
		fmt.Fprintf(s.log, "sync %s: onUpload %s: %s\n", s.cfg.Remote, e.Name, status)
		if text := strings.TrimRight(out.String(), "\n"); text != "" {
			fmt.Fprintln(s.log, text)
		}
		var exit *kube.ExitError
		switch {
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil && !errors.As(err, &exit):
			return err // the pod went away: resume on the next one
		case err != nil && e.FailOnError:
			return &errStop{fmt.Errorf("onUpload %s: %w", e.Name, err)}
		}
	}
	if s.cfg.RestartContainer {
		return s.restartProcess(ctx, len(files))
	}
	return nil
}

// triggers reports whether one of files matches the patterns (any file
// when there are none).
func triggers(patterns, files []string) bool {
	return len(patterns) == 0 || slices.ContainsFunc(files, func(f string) bool {
		return excluded(patterns, f, false) || excludedDir(patterns, f)
	})
}

// restartProcess starts the container's process under the restart helper
// (the first time in a container) or restarts it (after uploads).
func (s *syncer) restartProcess(ctx context.Context, uploaded int) error {
	started, err := restart.Restart(ctx, s.c, s.pod)
	var exit *kube.ExitError
	switch {
	case errors.As(err, &exit):
		fmt.Fprintf(s.log, "sync %s: could not restart the container's process: it does not run under the restart helper (was the pod replacement disabled?)\n", s.cfg.Remote)
		return nil
	case err != nil:
		return err // the pod went away: resume on the next one
	case started:
		fmt.Fprintf(s.log, "sync %s: started the container's process after the initial sync\n", s.cfg.Remote)
	default:
		fmt.Fprintf(s.log, "sync %s: restarted the container's process (%d file(s) uploaded)\n", s.cfg.Remote, uploaded)
	}
	return nil
}

// startProcess lets the restart helper start the container's process
// (startContainer), once per container; a running process is left alone.
func (s *syncer) startProcess(ctx context.Context) error {
	started, err := restart.Start(ctx, s.c, s.pod)
	var exit *kube.ExitError
	switch {
	case errors.As(err, &exit):
		fmt.Fprintf(s.log, "sync %s: startContainer: the container does not run under the restart helper (was the pod replacement disabled?)\n", s.cfg.Remote)
		return nil
	case err != nil:
		return err
	case started:
		fmt.Fprintf(s.log, "sync %s: started the container's process after the initial sync\n", s.cfg.Remote)
	}
	return nil
}
