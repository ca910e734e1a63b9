package kube

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// LogOptions choose which part of a container's log Logs returns.
type LogOptions struct {
	// Follow keeps the stream open until the container ends.
	Follow bool
	// TailLines starts with the last lines of the log; nil means all.
	TailLines *int64
	// Previous is the log of the container's previous run (the one that
	// crashed, while it waits to be restarted).
	Previous bool
}

// Logs opens the log of the pod's container; the caller closes it.
func Logs(ctx context.Context, c *Client, pod Pod, opts LogOptions) (io.ReadCloser, error) {
	rc, err := rest.UnversionedRESTClientFor(dynamic.ConfigFor(c.RESTConfig()))
	if err != nil {
		return nil, fmt.Errorf("logs of %s: %w", pod, err)
	}
	req := rc.Get().AbsPath("/api/v1/namespaces", pod.Namespace, "pods", pod.Name, "log").
		Param("container", pod.Container)
	if opts.Follow {
		req = req.Param("follow", "true")
	}
	if opts.Previous {
		req = req.Param("previous", "true")
	}
	if opts.TailLines != nil {
		req = req.Param("tailLines", strconv.FormatInt(*opts.TailLines, 10))
	}
	body, err := req.Stream(ctx)
	if err != nil {
		return nil, fmt.Errorf("logs of %s: %w", pod, c.classify(err))
	}
	return body, nil
}
