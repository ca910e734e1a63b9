package dev

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/devspace-engine/devspace/kube"
)

// StreamLogs copies the log of the container next returns to w and
// follows it, starting with its last lastLines lines (0: all). When the
// container restarts it goes on with the new instance; when the log ends
// (the container or pod ended) it asks next again and continues with the
// log of that pod, from its start. It returns nil once ctx ends, and
// next's errors and errors that retrying will not fix (forbidden).
//
// The log is requested with timestamps, which are stripped: they tell
// which lines were already copied when the stream of the same pod is
// opened again (sinceTime has only second precision).
func StreamLogs(ctx context.Context, c *kube.Client, next func(ctx context.Context) (kube.Pod, error), lastLines int, w io.Writer) error {
	rc, err := rest.UnversionedRESTClientFor(dynamic.ConfigFor(c.RESTConfig()))
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	s := &logStream{rc: rc, w: w, tail: lastLines}
	for ctx.Err() == nil {
		pod, err := next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("logs: %w", err)
		}
		n, err := s.follow(ctx, pod)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && kube.Permanent(err):
			return fmt.Errorf("logs of %s: %w", pod, err)
		case n == 0: // nothing new (e.g. the container is starting): do not spin
			_ = kube.Pause(ctx, time.Second)
		}
	}
	return nil
}

// logStream remembers where the copied log ended.
type logStream struct {
	rc   rest.Interface
	w    io.Writer
	tail int // for the first stream only

	started bool
	uid     string    // the pod the position is in
	last    time.Time // timestamp of the last line copied
	atLast  int       // lines copied with that timestamp
}

// follow copies the pod's log from where it ended until the stream ends,
// and returns how many lines it copied.
func (s *logStream) follow(ctx context.Context, pod kube.Pod) (int, error) {
	if pod.UID != s.uid { // another pod: its log is new from the start
		s.uid, s.last, s.atLast = pod.UID, time.Time{}, 0
	}
	req := s.rc.Get().AbsPath("/api/v1/namespaces", pod.Namespace, "pods", pod.Name, "log").
		Param("container", pod.Container).Param("follow", "true").Param("timestamps", "true")
	switch {
	case !s.last.IsZero():
		req.Param("sinceTime", s.last.UTC().Format(time.RFC3339)) // truncates to the second
	case !s.started && s.tail > 0:
		req.Param("tailLines", strconv.Itoa(s.tail))
	}
	body, err := req.Stream(ctx)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	s.started = true
	return s.copy(body)
}

// copy writes the lines of r that come after the position, without their
// timestamps.
func (s *logStream) copy(r io.Reader) (int, error) {
	br := bufio.NewReader(r)
	skip := s.atLast // lines at s.last that were copied before
	n := 0
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if ts, text, ok := splitTimestamp(line); !ok {
				n++
				if _, werr := s.w.Write(line); werr != nil {
					return n, werr
				}
			} else if copied, werr := s.copyLine(ts, text, &skip); werr != nil {
				return n, werr
			} else if copied {
				n++
			}
		}
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func (s *logStream) copyLine(ts time.Time, text []byte, skip *int) (bool, error) {
	switch {
	case ts.Before(s.last):
		return false, nil
	case ts.Equal(s.last) && *skip > 0:
		*skip--
		return false, nil
	case ts.Equal(s.last):
		s.atLast++
	default:
		s.last, s.atLast = ts, 1
	}
	_, err := s.w.Write(text)
	return true, err
}

// splitTimestamp splits "2006-01-02T15:04:05.999999999Z text" as the
// kubelet writes it with timestamps=true.
func splitTimestamp(line []byte) (time.Time, []byte, bool) {
	i := bytes.IndexByte(line, ' ')
	if i < 0 {
		return time.Time{}, nil, false
	}
	ts, err := time.Parse(time.RFC3339Nano, string(line[:i]))
	if err != nil {
		return time.Time{}, nil, false
	}
	return ts, line[i+1:], true
}
