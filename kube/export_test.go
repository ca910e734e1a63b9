package kube

import "context"

// ExecVia is Exec (Attach for a nil cmd) that, with spdyOnly, skips the
// WebSocket transport: the tests cover both.
func ExecVia(ctx context.Context, c *Client, pod Pod, cmd []string, opts ExecOptions, spdyOnly bool) error {
	return execIn(ctx, c, pod, cmd, opts, spdyOnly)
}

// DialPortForwardVia is DialPortForward that, with spdyOnly, skips the
// WebSocket tunnel.
func DialPortForwardVia(ctx context.Context, c *Client, pod Pod, spdyOnly bool) (*PortForward, error) {
	return dialPortForward(ctx, c, pod, spdyOnly)
}
