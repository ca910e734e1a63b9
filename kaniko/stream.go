package kaniko

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"regexp"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/devspace-engine/devspace/docker"
	"github.com/devspace-engine/devspace/imagebuild"
	"github.com/devspace-engine/devspace/kube"
)

// sendContext attaches to the kaniko container's stdin and streams the
// build context into it as a gzip tar (kaniko's --context=tar://stdin).
// stdinOnce closes the container's stdin when the stream ends, and kaniko
// starts building. The attach lasts until the container ends; sent is
// called once the whole context was written.
func sendContext(ctx context.Context, c *kube.Client, namespace, podName string, req imagebuild.Request, sent func(docker.ContextStats)) error {
	pr, pw := io.Pipe()
	go func() {
		gz, _ := gzip.NewWriterLevel(req.Sent.Writer(pw), gzip.BestSpeed)
		stats, err := docker.WriteContext(ctx, gz, req)
		if err == nil {
			err = gz.Close()
		}
		if err == nil {
			sent(stats)
		}
		pw.CloseWithError(err)
	}()
	defer pr.Close()
	// Attach also brings the container's output, which the log stream
	// shows; here it is discarded.
	pod := kube.Pod{Namespace: namespace, Name: podName, Container: containerName}
	if err := kube.Attach(ctx, c, pod, kube.ExecOptions{Stdin: pr}); err != nil {
		return fmt.Errorf("send the build context to pod %s: %w", podName, err)
	}
	return nil
}

// colors are the terminal color codes of kaniko's default log format,
// whose "INFO[0001] COPY . /app" lines read better than its text format.
var colors = regexp.MustCompile("\x1b\\[[0-9;]*m")

var stdinHint = []byte("To simulate EOF and exit, press 'Ctrl+D'")

// followLogs copies the kaniko container's log to w, line by line, until
// the container ends (or ctx).
func followLogs(ctx context.Context, c *kube.Client, namespace, pod string, w io.Writer) error {
	rc, err := rest.UnversionedRESTClientFor(dynamic.ConfigFor(c.RESTConfig()))
	if err != nil {
		return err
	}
	body, err := rc.Get().AbsPath("/api/v1/namespaces", namespace, "pods", pod, "log").
		Param("container", containerName).Param("follow", "true").Stream(ctx)
	if err != nil {
		return fmt.Errorf("logs of build pod %s: %w", pod, err)
	}
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := colors.ReplaceAll(sc.Bytes(), nil)
		if bytes.Contains(line, stdinHint) {
			continue // kaniko's advice to a person typing the context
		}
		fmt.Fprintf(w, "%s\n", line)
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("logs of build pod %s: %w", pod, err)
	}
	return nil
}
